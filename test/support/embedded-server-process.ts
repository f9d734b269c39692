import { spawn } from 'node:child_process';
import { join } from 'node:path';

export { makeServerRoot } from '../../src/testing/server-root';

const ROOT = join(__dirname, '..', '..');

/** A dedicated embedded PostgreSQL running in a child process. */
export interface EmbeddedServerProcess {
  port: number;
  /** URL of its `app` database (local test credentials). */
  url: string;
  /** Stops the server cleanly and waits for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts (or restarts, with the same `dataDir` and `port`) an embedded server in its own process;
 * `settings` are extra server settings (`-c name=value`), e.g. TLS.
 */
export function startEmbeddedServerProcess(
  dataDir: string,
  port = 0,
  settings: Record<string, string> = {},
): Promise<EmbeddedServerProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', join(ROOT, 'test', 'support', 'embedded-server.main.ts')],
    {
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        TS_NODE_TRANSPILE_ONLY: 'true',
        EMBEDDED_DATA_DIR: dataDir,
        EMBEDDED_PORT: String(port),
        EMBEDDED_SETTINGS: JSON.stringify(settings),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => (out += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const { port: actual, url } = JSON.parse(line) as { port: number; url: string };
      resolve({
        port: actual,
        url,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`the embedded server process exited before it was ready:\n${out}`)));
  });
}
