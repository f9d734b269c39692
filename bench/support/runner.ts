import type { Contender } from '../contenders/contender';
import { rotate, summarise } from '../scenarios/batch.scenarios';
import type { BenchContext, TimedScenario } from '../scenarios/scenario';
import type { ScenarioResult } from '../report/results';
import { Sample, timed } from './measure';

/** Runs a timed scenario: a warm-up window per contender, then `ctx.rounds` interleaved rounds. */
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
  const options = { concurrency: scenario.concurrency, maxOps: scenario.maxOps?.(ctx) };
  for (const c of able) await timed(ops.get(c)!, { ...options, ms: ctx.windowMs / 2 });
  for (let round = 0; round < ctx.rounds; round++) {
    for (const c of rotate(able, round))
      samples.get(c)!.push(await timed(ops.get(c)!, { ...options, ms: ctx.windowMs }));
  }
  return {
    key: scenario.key,
    label: scenario.label,
    unit: 'ops/s',
    concurrency: scenario.concurrency,
    results: able.map((c) => summarise(c.name, samples.get(c)!)),
  };
}
