import type { Contender, Position } from '../contenders/contender';
import type { ServerCpu } from '../support/cpu-cost';

/** What the scenarios share: sizes and the ids they work on. */
export interface BenchContext {
  quick: boolean;
  tasks: number;
  /** Rows skipped before a deep page. */
  deep: number;
  /** The row at `deep` in the pages' order (the keyset start of a deep page). */
  deepPosition: Position;
  /** Oldest task ids first. */
  ids: string[];
  contenders: number;
  rounds: number;
  windowMs: number;
  /** The server's CPU time, when it runs on this machine. */
  server?: ServerCpu;
  /** The tenant scenarios' tenant and its note ids. */
  tenant?: { id: string; ids: string[] };
}

/** An operation repeated in timed windows. */
export interface TimedScenario {
  key: string;
  label: string;
  concurrency: number;
  writes: boolean;
  /** The operation for one contender (called once per scenario), or undefined when it has none. */
  prepare(c: Contender, ctx: BenchContext, index: number): Promise<((i: number) => Promise<unknown>) | undefined>;
  /** Most operations in one window (ids used up by the scenario). */
  maxOps?(ctx: BenchContext): number;
}

/** Ids reserved at the young end of `ids` for per-contender slices: updates, then transactions. */
export const SLICE = 500;

/** A contender's slice of `ids`, counted from the end (region 0: updates, 1: transactions). */
export function slice(ctx: BenchContext, region: number, index: number): string[] {
  const end = ctx.ids.length - SLICE * (region * ctx.contenders + index);
  return ctx.ids.slice(end - SLICE, end);
}
