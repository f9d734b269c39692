import { statementsSent } from './statements';

/** One timed window of one contender in one scenario. */
export interface Sample {
  /** Operations (or rows, for batches) done in the window. */
  ops: number;
  ms: number;
  statements: number;
  /** Calls made: statements per call is `statements / calls`. */
  calls: number;
}

/** Runs `op` from `concurrency` workers until `ms` elapse or `maxOps` ops ran (0: no cap). */
export async function timed(
  op: (i: number) => Promise<unknown>,
  options: { ms: number; concurrency: number; maxOps?: number },
): Promise<Sample> {
  const statementsBefore = statementsSent();
  const started = performance.now();
  const deadline = started + options.ms;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline && (!options.maxOps || next < options.maxOps)) await op(next++);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { ops: next, ms: performance.now() - started, statements: statementsSent() - statementsBefore, calls: next };
}

/** Runs `op` once (a batch of `units` rows) and times it. */
export async function once(op: () => Promise<unknown>, units: number): Promise<Sample> {
  const statementsBefore = statementsSent();
  const started = performance.now();
  await op();
  return { ops: units, ms: performance.now() - started, statements: statementsSent() - statementsBefore, calls: 1 };
}

/** Median of numbers (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The `p`th percentile of values (nearest rank: the smallest value with at least p% at or below it). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/**
 * A distribution-free 95% confidence interval of the `p`th percentile (order statistics, normal
 * approximation of the binomial): the values at ranks n·p ∓ 1.96·√(n·p·(1−p)). With few samples
 * the p99 is one of the last few values, and this range says how far it could move.
 */
export function percentileRange(values: number[], p: number): [number, number] {
  if (!values.length) return [Number.NaN, Number.NaN];
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const q = p / 100;
  const spread = 1.96 * Math.sqrt(n * q * (1 - q));
  const at = (rank: number) => sorted[Math.min(n, Math.max(1, rank)) - 1];
  return [at(Math.floor(n * q - spread)), at(Math.ceil(n * q + spread))];
}
