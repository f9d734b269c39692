import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_OS_USER } from './system-binaries';

/** uid/gid to run PostgreSQL and PgBouncer as: the `postgres` OS user when we are root, else ourselves. */
function runAsIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${SYSTEM_OS_USER}:`));
  if (!line) throw new Error(`OS user ${SYSTEM_OS_USER} not found (PostgreSQL refuses to run as root)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * A fresh temporary directory owned by the user the servers run as, named `<prefix><pid>-…`: the
 * pid tells this process' directories from those of other Jest workers starting servers meanwhile.
 */
export function makeServerTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${process.pid}-`));
  const ids = runAsIds();
  if (ids) chownSync(dir, ids.uid, ids.gid);
  return dir;
}

/** Hands a file we wrote (as root) to the server user. */
export function giveToServerUser(path: string): void {
  const ids = runAsIds();
  if (ids) chownSync(path, ids.uid, ids.gid);
}

/** Runs a short command as the server user; rejects with its output when it fails. */
export function runAsServerUser(file: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { ...runAsIds(), env: { ...process.env, ...env }, cwd: tmpdir(), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${file} ${args.join(' ')} failed: ${stderr || stdout || error.message}`))
          : resolve(stdout),
    );
  });
}

interface Guarded {
  child: ChildProcess;
  watchdog: ChildProcess;
  signal: NodeJS.Signals;
}
// One set and one exit hook per process, however many test files import this module.
const RUNNING = Symbol.for('nest-pg-database.cluster-processes');
const holder = process as NodeJS.Process & { [RUNNING]?: Set<Guarded> };
const running = (holder[RUNNING] ??= (() => {
  const set = new Set<Guarded>();
  process.on('exit', () => {
    for (const { child, signal } of set) child.kill(signal);
  });
  return set;
})());

/** A long-running server process as the server user, its output appended to `logPath`. */
export interface ServerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<number | string | null>;
  /** Sends `signal` and waits for the exit. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `file args` as the server user. It gets `orphanSignal` (PostgreSQL: QUIT, immediate shutdown;
 * PgBouncer: TERM) when this Node process exits, however it exits:
 * an exit hook, and a detached watchdog that also removes `removeOnOrphan` once this process is gone.
 */
export function spawnServer(
  file: string,
  args: string[],
  logPath: string,
  removeOnOrphan: string,
  orphanSignal: 'QUIT' | 'TERM',
): ServerProcess {
  const log = openSync(logPath, 'a');
  const child = spawn(file, args, { ...runAsIds(), stdio: ['ignore', log, log], cwd: tmpdir() });
  closeSync(log);
  const watchdog = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$0" 2>/dev/null; do sleep 0.5; done; kill -"$3" "$1" 2>/dev/null; sleep 1; rm -rf "$2"',
      String(process.pid),
      String(child.pid),
      removeOnOrphan,
      orphanSignal,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  child.unref();
  const entry = { child, watchdog, signal: `SIG${orphanSignal}` as const };
  running.add(entry);
  const exited = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(entry);
      watchdog.kill('SIGKILL');
      resolve(code ?? signal);
    });
  });
  return {
    child,
    exited,
    stop: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.ref();
        child.kill(signal);
        await exited;
      }
    },
  };
}

/** The last lines of a server log, for error messages. */
export function logTail(logPath: string, lines = 20): string {
  try {
    return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Thrown by a `waitUntil` check to stop waiting at once (the server exited). */
export class WaitAborted extends Error {}

/** Polls `check` until it returns true; throws `what` with the last error after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether a server log says its port was taken (between `findFreePort()` and the bind). */
export function lostPortRace(logPath: string): boolean {
  return /Address already in use|could not bind/i.test(logTail(logPath, 50));
}

/** Removes a directory tree (the server's temp dir). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
