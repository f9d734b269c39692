import { readFileSync } from 'node:fs';

/** CPU time counters of the whole machine (`/proc/stat`, first line), in clock ticks. */
export interface CpuTicks {
  total: number;
  steal: number;
}

/** The machine's CPU ticks so far; undefined where `/proc/stat` is not readable. */
export function cpuTicks(): CpuTicks | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/**
 * Percent of the machine's CPU time the hypervisor gave to someone else between two readings:
 * on a virtual machine, the share of the run during which neither this process nor the server
 * could run, whatever they were doing. Undefined without `/proc/stat`.
 */
export function stealPercent(from: CpuTicks | undefined, to: CpuTicks | undefined): number | undefined {
  if (!from || !to || to.total === from.total) return undefined;
  return (100 * (to.steal - from.steal)) / (to.total - from.total);
}
