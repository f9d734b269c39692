import type { MachineSpeedSummary } from '../support/machine-speed';

/** One contender's figures in one scenario. */
export interface ContenderResult {
  contender: string;
  /** Median over the rounds, in the scenario's unit. */
  median: number;
  /** Each round's figure. */
  samples: number[];
  /** Statements (round trips) per call: per operation, or per batch for bulk and streaming (unknown under a background load). */
  statementsPerCall?: number;
  /** `median` over raw pg's median. */
  ratio?: number;
  /** CPU µs per operation (per row for bulk): this process, and the server when it is local. */
  cpu?: { clientUs: number; serverUs?: number };
  /** Bulk: calls made again because the machine probe right after them ran slow (not in `samples`). */
  redoneCalls?: number;
  /** Streaming: largest RSS growth over the rounds, in MB. */
  peakRssGrowthMb?: number;
  /** Latency scenarios (health): percentiles in ms, requests measured, and responses by HTTP status. */
  p50Ms?: number;
  p99Ms?: number;
  /** Latency scenarios: 95% confidence interval of the p99 in ms (order statistics). */
  p99RangeMs?: [number, number];
  requests?: number;
  statuses?: Record<string, number>;
}

/** One scenario's figures. */
export interface ScenarioResult {
  key: string;
  label: string;
  /** Throughput (higher is better), or latency in ms (health: lower is better). */
  unit: 'ops/s' | 'rows/s' | 'ms';
  concurrency: number;
  /** Pool size of every contender in this scenario (the run's `meta.poolSize` when absent). */
  poolSize?: number;
  results: ContenderResult[];
}

/** What `latest.json` holds. */
export interface BenchResults {
  meta: {
    date: string;
    quick: boolean;
    nproc: number;
    cpu: string;
    node: string;
    postgres: string;
    database: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    /** Percent of the machine's CPU time taken by the hypervisor during the run (virtual machines). */
    stealPercent?: number;
    /** The machine probe's times over the run (bench/support/machine-speed.ts). */
    machine?: MachineSpeedSummary;
    tasks: number;
    deep: number;
    /** Pool size of every scenario without its own `poolSize`. */
    poolSize: number;
    /** Every pool size some scenario ran with. */
    poolSizes?: number[];
    rounds: number;
    windowMs: number;
    bulkRows: number;
    durationS: number;
    skipped: string[];
    /** Contenders in the order they were set up (the table's columns). */
    contenders: string[];
  };
  scenarios: ScenarioResult[];
}

/** The limit every ratio is taken against. */
export const LIMIT = 'raw pg';

/** Fills each result's ratio to the limit. */
export function withRatios(scenario: ScenarioResult): ScenarioResult {
  if (scenario.unit === 'ms') return scenario;
  const limit = scenario.results.find((r) => r.contender === LIMIT)?.median;
  for (const r of scenario.results) r.ratio = limit ? r.median / limit : undefined;
  return scenario;
}
