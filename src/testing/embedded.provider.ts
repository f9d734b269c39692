import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedPostgresLauncher } from '../database/embedded/embedded-postgres.launcher';
import { loadOptionalPeer } from './optional-peer';
import { ProvidedPostgres } from './provided-postgres';
import { makeServerRoot } from './server-root';

/**
 * @internal An embedded server from `embedded-postgres` in a new temporary directory (removed on
 * stop), its superuser's password `password`; `'not installed'` without that optional peer.
 */
export async function fromEmbedded(
  password: string,
  settings: Record<string, string>,
): Promise<ProvidedPostgres | 'not installed'> {
  if (!(await loadOptionalPeer('embedded-postgres'))) return 'not installed';
  const root = await makeServerRoot('nest-pg-test-');
  const dataDir = join(root, 'data');
  try {
    const server = await EmbeddedPostgresLauncher.start({ dataDir, port: 0, database: 'postgres', password, settings });
    return {
      kind: `embedded-postgres (${dataDir})`,
      adminUrl: server.url,
      stop: async () => {
        await server.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
