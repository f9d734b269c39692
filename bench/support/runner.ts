import type { Contender } from '../contenders/contender';
import { summarise } from '../scenarios/batch.scenarios';
import type { BenchContext, TimedScenario } from '../scenarios/scenario';
import type { ScenarioResult } from '../report/results';
import { CpuCost, cpuPerOp } from './cpu-cost';
import { Sample, timed } from './measure';
import { seeded, shuffled } from './order';

/**
 * Time one contender runs at a stretch before the next takes over, when it runs several callers at
 * once; one caller's turn is a single operation. Short turns, so that whatever else the machine
 * does (this one is a VM with noisy neighbours: a lone `SELECT 1` loop swings between 4,500 and
 * 18,000 per second from one 250 ms window to the next) falls on every contender alike.
 */
export const BURST_MS = 10;

/**
 * Runs a timed scenario: a warm-up window per contender, then `ctx.rounds` rounds. In a round the
 * contenders take the same number of turns, each turn in a fresh random order ({@link shuffled}):
 * one operation each at concurrency 1 (as many turns as fill about `ctx.windowMs` per contender,
 * judged by the warm-up), else {@link BURST_MS} each, `ctx.windowMs` in all. A contender's sample
 * for the round adds up its turns.
 */
export async function runTimed(
  scenario: TimedScenario,
  contenders: Contender[],
  ctx: BenchContext,
): Promise<ScenarioResult> {
  const ops = new Map<Contender, (i: number) => Promise<unknown>>();
  for (const [index, c] of contenders.entries()) {
    if (c.writesOnly && !scenario.writes) continue;
    const op = await scenario.prepare(c, ctx, index);
    if (op) ops.set(c, op);
  }
  const able = [...ops.keys()];
  const samples = new Map<Contender, Sample[]>(able.map((c) => [c, []]));
  const maxOps = scenario.maxOps?.(ctx);
  const options = { concurrency: scenario.concurrency };
  const counters = new Map<Contender, number>(able.map((c) => [c, 0]));
  // Each contender numbers its operations across bursts (the update scenario cycles its ids by it).
  const numbered = (c: Contender) => (_i: number) => {
    const i = counters.get(c)!;
    counters.set(c, i + 1);
    return ops.get(c)!(i);
  };
  const warmUps = new Map<Contender, Sample>();
  for (const c of able) warmUps.set(c, await timed(numbered(c), { ...options, ms: ctx.windowMs / 2, maxOps }));
  // One caller: every turn is one operation of every contender, the same count for all in a round,
  // so the mix of contenders never thins out while someone catches up (a contender left to run
  // alone runs faster). Enough turns for a round of about `windowMs` per contender.
  const meanMs = [...warmUps.values()].reduce((sum, w) => sum + w.ms / Math.max(1, w.ops), 0);
  const turns = Math.max(1, Math.min(maxOps ?? Infinity, Math.round((able.length * ctx.windowMs) / meanMs)));
  // Several callers: turns of BURST_MS each, the same number for every contender.
  const single = scenario.concurrency === 1;
  const turn = single ? { ...options, ms: Infinity, maxOps: 1 } : { ...options, ms: BURST_MS, maxOps };
  const turnsPerRound = single ? turns : Math.ceil(ctx.windowMs / BURST_MS);
  const random = seeded(0x5eed);
  for (let round = 0; round < ctx.rounds; round++) {
    const sums = new Map<Contender, Sample>(able.map((c) => [c, { ops: 0, ms: 0, statements: 0, calls: 0 }]));
    const add = (c: Contender, burst: Sample) => {
      const sum = sums.get(c)!;
      sum.ops += burst.ops;
      sum.ms += burst.ms;
      sum.statements += burst.statements;
      sum.calls += burst.calls;
    };
    for (let t = 0; t < turnsPerRound; t++)
      for (const c of shuffled(able, random)) add(c, await timed(numbered(c), turn));
    for (const c of able) samples.get(c)!.push(sums.get(c)!);
  }
  // CPU per operation, each contender alone (CPU time needs no interleaving): as many operations
  // as one round gave it, or one window's worth with several callers.
  const cpu = new Map<Contender, CpuCost>();
  for (const c of able) {
    const work = () =>
      timed(
        numbered(c),
        single ? { ...options, ms: Infinity, maxOps: turns } : { ...options, ms: ctx.windowMs, maxOps },
      );
    cpu.set(c, await cpuPerOp(work, ctx.server));
  }
  return {
    key: scenario.key,
    label: scenario.label,
    unit: 'ops/s',
    concurrency: scenario.concurrency,
    results: able.map((c) => summarise(c.name, samples.get(c)!, { cpu: cpu.get(c) })),
  };
}
