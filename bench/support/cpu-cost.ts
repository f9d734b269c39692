import { readdirSync, readFileSync } from 'node:fs';
import type { Sample } from './measure';

/** CPU time one operation (or one row, for batches) took: in this process and in the server. */
export interface CpuCost {
  /** This process, every thread (`process.cpuUsage`): the contender's own work, GC included. */
  clientUs: number;
  /** The server's processes (`/proc/<pid>/schedstat`), when the server runs on this machine. */
  serverUs?: number;
}

/** The parent pid of a process, from `/proc/<pid>/stat` (the field after the state). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Nanoseconds a (single-threaded) process has run on a CPU; 0 once it is gone. */
export function onCpuNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}

/**
 * The CPU time of a PostgreSQL server on this machine: its postmaster and every process it
 * forked (backends, WAL writer, checkpointer). Unlike latency, CPU time does not depend on how
 * long the machine takes to wake a sleeping process, so it tells what each contender costs even
 * when the round-trip times of a noisy machine swamp the difference.
 */
export class ServerCpu {
  private constructor(private readonly postmaster: number) {}

  /** From any backend's pid (`pg_backend_pid()`); undefined when the server is not a local process. */
  static of(backendPid: number): ServerCpu | undefined {
    const postmaster = parentOf(backendPid);
    return postmaster ? new ServerCpu(postmaster) : undefined;
  }

  /** Nanoseconds each of the server's processes has run so far, by pid. */
  snapshot(): Map<number, number> {
    const ns = new Map([[this.postmaster, onCpuNs(this.postmaster)]]);
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (Number.isInteger(pid) && parentOf(pid) === this.postmaster) ns.set(pid, onCpuNs(pid));
    }
    return ns;
  }

  /**
   * Nanoseconds the server ran since `before`: processes alive at both ends, and new ones in full.
   * A backend that exited in between (a pool closing an idle connection) takes its share with it.
   */
  static since(before: Map<number, number>, after: Map<number, number>): number {
    let total = 0;
    for (const [pid, ns] of after) total += Math.max(0, ns - (before.get(pid) ?? 0));
    return total;
  }
}

/** Runs `work` alone and divides the CPU it took by the operations (or rows) it did. */
export async function cpuPerOp(work: () => Promise<Sample>, server: ServerCpu | undefined): Promise<CpuCost> {
  const client = process.cpuUsage();
  const serverBefore = server?.snapshot();
  const { ops } = await work();
  const used = process.cpuUsage(client);
  const serverUs = server && serverBefore ? ServerCpu.since(serverBefore, server.snapshot()) / 1000 : undefined;
  return {
    clientUs: (used.user + used.system) / Math.max(1, ops),
    serverUs: serverUs === undefined ? undefined : serverUs / Math.max(1, ops),
  };
}
