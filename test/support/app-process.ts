import { join } from 'node:path';
import { CliProcess, ROOT, spawnNode } from './migration-process';

const LISTENING = /listening on http:\/\/localhost:(\d+)/;

/** The service started as a real process (`src/main.ts` through ts-node, as `npm start` runs it). */
export interface AppProcess extends CliProcess {
  /** Resolves with the HTTP port once the app logs that it listens; rejects if it exits first. */
  listening(timeoutMs?: number): Promise<number>;
  /** SIGTERM unless it has exited already; resolves with the exit code (or signal) once it has. */
  stop(): Promise<number | string>;
}

/** Starts `src/main.ts` in `cwd` with exactly `env` (plus PATH), on a random HTTP port. */
export function startAppProcess(cwd: string, env: NodeJS.ProcessEnv): AppProcess {
  // ts-node/register is resolved from `cwd`, which may be a temporary directory: NODE_PATH finds it.
  const app = spawnNode(
    [join(ROOT, 'src', 'main.ts')],
    { PORT: '0', NODE_PATH: join(ROOT, 'node_modules'), ...env },
    { cwd },
  );
  return {
    ...app,
    listening: async (timeoutMs = 60_000) => {
      await app.printed(LISTENING, timeoutMs);
      return Number(LISTENING.exec(app.output())![1]);
    },
    stop: () => {
      if (app.child.exitCode === null && app.child.signalCode === null) app.child.kill('SIGTERM');
      return app.exited();
    },
  };
}
