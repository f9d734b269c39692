import type { DataSource } from 'typeorm';
import type { Contender, NewTask } from '../contenders/contender';
import { CpuCost, cpuPerOp, ServerCpu } from '../support/cpu-cost';
import { untimed } from '../support/database';
import { atFullSpeed, MachineSpeed } from '../support/machine-speed';
import { seeded, shuffled } from '../support/order';
import { median, once, Sample } from '../support/measure';
import { statementsSent } from '../support/statements';
import type { ScenarioResult } from '../report/results';

const STATUSES: NewTask['status'][] = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'];

function bulkRows(n: number): NewTask[] {
  return Array.from({ length: n }, (_, i) => ({
    title: `bulk ${i}`,
    description: 'bulk loaded',
    status: STATUSES[i % 5],
    priority: i % 11,
    requirements: { cpu: i % 4 },
  }));
}

/** Deletes what a bulk run inserted (untimed). */
async function cleanUp(dataSource: DataSource, vacuum = false): Promise<void> {
  await untimed(dataSource, async (query) => {
    await query(`DELETE FROM tasks WHERE title LIKE 'bulk %'`);
    await query('TRUNCATE audit_logs');
    if (vacuum) await query('VACUUM tasks');
  });
}

/** @internal Median and statements per call of one contender's samples. */
export function summarise(name: string, samples: Sample[], extra: Partial<ScenarioResult['results'][0]> = {}) {
  const calls = samples.reduce((n, s) => n + s.calls, 0);
  return {
    contender: name,
    median: median(samples.map((s) => (s.ops / s.ms) * 1000)),
    samples: samples.map((s) => Math.round((s.ops / s.ms) * 1000)),
    statementsPerCall: samples.reduce((n, s) => n + s.statements, 0) / calls,
    ...extra,
  };
}

/** How the bulk scenario runs. */
export interface BulkPlan {
  /** Rows per call. */
  rows: number;
  /** Rounds every contender takes part in. */
  rounds: number;
  /**
   * Rounds after those for all but `peers`: more calls for the contenders whose targets are within
   * a few percent of each other (raw pg's three, ours' two), not for the ORMs at a third of the rate.
   */
  extraRounds: number;
  peers: readonly string[];
}

/**
 * Bulk insert of `plan.rows` rows per call, in rounds of a shuffled order after a warm-up of a tenth
 * of it. With a `speed` probe, each call starts once the machine runs at full speed, and a call after which
 * the probe runs slow (a slow episode of the machine, not of the contender) is made again, up to
 * twice; the result counts those calls.
 */
export async function bulkInsert(
  contenders: Contender[],
  dataSource: DataSource,
  plan: BulkPlan,
  server?: ServerCpu,
  speed?: MachineSpeed,
): Promise<ScenarioResult> {
  const n = plan.rows;
  // Fresh rows for every call: TypeORM writes generated ids back into the objects it is given.
  const able = contenders.filter((c) => c.bulkInsert);
  const samples = new Map<string, Sample[]>(able.map((c) => [c.name, []]));
  const cpu = new Map<string, CpuCost[]>(able.map((c) => [c.name, []]));
  const redone = new Map<string, number>(able.map((c) => [c.name, 0]));
  for (const c of able) await c.bulkInsert!(bulkRows(n / 10));
  await cleanUp(dataSource);
  // A fresh order each round, not a rotation: in a rotation each contender follows the same other
  // one every round but one, and finds the server as that one left it.
  const random = seeded(0xb011);
  for (let round = 0; round < plan.rounds + plan.extraRounds; round++) {
    const taking = round < plan.rounds ? able : able.filter((c) => !plan.peers.includes(c.name));
    for (const c of shuffled(taking, random)) {
      const call = async () => {
        const rows = bulkRows(n);
        let sample: Sample | undefined;
        const cost = await cpuPerOp(async () => (sample = await once(() => c.bulkInsert!(rows), n)), server);
        return { sample: sample!, cost };
      };
      // Vacuumed after every call, not once a round: each call inserts into the same table, not
      // one holding the dead rows of the calls before it in the round (index entries and heap
      // space a vacuum had not yet freed).
      const { value, redone: again } = await atFullSpeed(speed, call, () => cleanUp(dataSource, true));
      samples.get(c.name)!.push(value.sample);
      cpu.get(c.name)!.push(value.cost);
      redone.set(c.name, redone.get(c.name)! + again);
    }
  }
  // CPU per row: the median call's (calls are long enough to be timed alone).
  const cpuOf = (name: string) => {
    const costs = cpu.get(name)!;
    const serverUs = costs.every((x) => x.serverUs !== undefined) ? median(costs.map((x) => x.serverUs!)) : undefined;
    return { clientUs: median(costs.map((x) => x.clientUs)), serverUs };
  };
  const results = able.map((c) =>
    summarise(c.name, samples.get(c.name)!, {
      cpu: cpuOf(c.name),
      ...(speed ? { redoneCalls: redone.get(c.name)! } : {}),
    }),
  );
  return {
    key: 'bulk-insert',
    label: `bulk insert of ${n.toLocaleString('en')} rows`,
    unit: 'rows/s',
    concurrency: 1,
    results,
  };
}

/** Streams every task through each contender that can, sampling RSS to find its peak growth. */
export async function streamAll(contenders: Contender[], rounds: number): Promise<ScenarioResult> {
  const able = contenders.filter((c) => c.stream && !c.writesOnly);
  const samples = new Map<string, Sample[]>(able.map((c) => [c.name, []]));
  const growth = new Map<string, number>(able.map((c) => [c.name, 0]));
  let rows = 0;
  for (let round = 0; round < rounds; round++) {
    for (const c of rotate(able, round)) {
      (globalThis as { gc?: () => void }).gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const started = performance.now();
      const before = statementsSent();
      rows = await c.stream!();
      const ms = performance.now() - started;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const statements = statementsSent() - before;
      samples.get(c.name)!.push({ ops: rows, ms, statements, calls: 1 });
      growth.set(c.name, Math.max(growth.get(c.name)!, (peak - baseline) / 2 ** 20));
    }
  }
  const results = able.map((c) =>
    summarise(c.name, samples.get(c.name)!, { peakRssGrowthMb: Math.round(growth.get(c.name)!) }),
  );
  return { key: 'stream', label: `stream ${rows.toLocaleString('en')} rows`, unit: 'rows/s', concurrency: 1, results };
}

/** The contenders in another order each round, so none always runs first or last. */
export function rotate<T>(items: T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
