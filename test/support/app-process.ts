import { execFileSync } from 'node:child_process';
import { cp, copyFile, symlink } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
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

function asAppProcess(app: CliProcess): AppProcess {
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

/** Starts `src/main.ts` in `cwd` with exactly `env` (plus PATH), on a random HTTP port. */
export function startAppProcess(cwd: string, env: NodeJS.ProcessEnv): AppProcess {
  // ts-node/register is resolved from `cwd`, which may be a temporary directory: NODE_PATH finds it.
  return asAppProcess(
    spawnNode([join(ROOT, 'src', 'main.ts')], { PORT: '0', NODE_PATH: join(ROOT, 'node_modules'), ...env }, { cwd }),
  );
}

/**
 * Makes `dir` a checkout as `npm start` sees it: copies of package.json and scripts/, links to the
 * sources, the TypeScript configurations and node_modules. The build (dist/) and the embedded
 * server's data (.data/) land in `dir`, not in the repository.
 */
export async function makeCheckout(dir: string): Promise<void> {
  await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await cp(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  for (const name of ['node_modules', 'src', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json'])
    await symlink(join(ROOT, name), join(dir, name));
}

/** `npm start` in `dir` (see {@link makeCheckout}) with exactly `env` (plus PATH and HOME), on a random HTTP port. */
export function startNpmStart(dir: string, env: NodeJS.ProcessEnv): AppProcess {
  // npm's own script, run by this node: the same as the `npm` command, without a shell around it.
  const npmCli = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
  return asAppProcess(
    spawnNode([npmCli, 'start'], { PORT: '0', HOME: process.env.HOME, ...env }, { cwd: dir, tsNode: false }),
  );
}

/** `pid` and all its descendants, from `ps`. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** Whether a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
