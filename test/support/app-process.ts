import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The service started as a real process (`src/main.ts` through ts-node, as `npm start` runs it). */
export interface AppProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the HTTP port once the app logs that it listens; rejects if it exits first. */
  listening(timeoutMs?: number): Promise<number>;
  /** Resolves with the exit code (or signal name). */
  exited(): Promise<number | string>;
}

/** Starts `src/main.ts` in `cwd` with exactly `env` (plus PATH), on a random HTTP port. */
export function startAppProcess(cwd: string, env: NodeJS.ProcessEnv): AppProcess {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', join(ROOT, 'src', 'main.ts')], {
    cwd,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      NO_COLOR: '1',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      TS_NODE_TRANSPILE_ONLY: 'true',
      NODE_PATH: join(ROOT, 'node_modules'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => out,
    exited: () => exit,
    listening: (timeoutMs = 60_000) =>
      new Promise<number>((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`app did not listen within ${timeoutMs} ms:\n${out}`)),
          timeoutMs,
        );
        const check = () => {
          const match = /listening on http:\/\/localhost:(\d+)/.exec(out);
          if (match) {
            clearTimeout(deadline);
            resolve(Number(match[1]));
          }
        };
        child.stdout!.on('data', check);
        child.stderr!.on('data', check);
        void exit.then((code) => {
          clearTimeout(deadline);
          reject(new Error(`app exited (${code}) before listening:\n${out}`));
        });
        check();
      }),
  };
}
