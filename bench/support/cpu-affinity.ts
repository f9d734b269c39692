import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** Where the run's processes were placed, for the results' description; undefined when not pinned. */
export interface Placement {
  node: string;
  postgres: string;
}

/** Pins every thread of this process to the CPU list `list` (e.g. `0` or `0-2`) with taskset. */
function pin(list: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `start` (which spawns the database server) with this process pinned to the last CPU, so
 * the server and every backend it forks later inherit that CPU, then moves this process to the
 * others. Unpinned, the scheduler puts each connection's backend on either CPU, beside this
 * process or not, and that placement differs between contenders and between runs; pinned, every
 * contender's round trip crosses the same way. (Not measured apart: the runs that showed the
 * spread also had the turn-taking flaw fixed in `runner.ts`.) Off unless `BENCH_PIN=1`: pinned,
 * this process, the health scenario's HTTP client and the app share one CPU while the server has
 * the other, and a full run measured the health p99 under saturation at 9.9–13 ms against 4.8 ms
 * unpinned. Needs taskset and two CPUs.
 */
export async function withServerPinned<T>(start: () => Promise<T>): Promise<{ value: T; placement?: Placement }> {
  const n = cpus().length;
  if (n < 2 || process.env.BENCH_PIN !== '1' || !pin(String(n - 1))) return { value: await start() };
  try {
    const value = await start();
    return { value, placement: { node: n === 2 ? '0' : `0-${n - 2}`, postgres: String(n - 1) } };
  } finally {
    pin(n === 2 ? '0' : `0-${n - 2}`);
  }
}
