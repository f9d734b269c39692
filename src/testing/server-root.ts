import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @internal A new temporary directory (`prefix` + random) an embedded server can use: readable by
 * the `postgres` user the server runs as when the tests run as root.
 */
export async function makeServerRoot(prefix: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await chmod(root, 0o755);
  return root;
}
