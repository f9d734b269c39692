import { ChildProcess, spawn } from 'node:child_process';

/** The outcome of a command run in a fixture app. */
export interface CommandResult {
  code: number | null;
  output: string;
}

/**
 * The environment a fixture's commands get: this process' own without anything that points at a
 * database, at Jest's workers or at the repository's npm run (`npm_*`), plus `extra`.
 */
export function fixtureEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|DB_|TEST_|JEST_|DATABASE_URL$|NODE_ENV$|PORT$|EMBEDDED_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs `command args` in `cwd` to its end; never rejects on a non-zero exit. */
export function run(command: string, args: string[], cwd: string, env = fixtureEnv()): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** A fixture app's server process (`node dist/main.js` or `npm start`). */
export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the port from its "listening on" line; rejects if it exits first. */
  listening(): Promise<number>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `command args` in `cwd` as an app server on a free port (`PORT=0`). */
export function startServer(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): ServerProcess {
  const child = spawn(command, args, { cwd, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d;
      const match = /listening on http:\/\/localhost:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`the app exited (${code}) before listening:\n${output}`)));
  });
  listening.catch(() => undefined);
  return {
    child,
    output: () => output,
    listening: () => listening,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
