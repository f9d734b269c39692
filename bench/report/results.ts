/** One contender's figures in one scenario. */
export interface ContenderResult {
  contender: string;
  /** Median over the rounds, in the scenario's unit. */
  median: number;
  /** Each round's figure. */
  samples: number[];
  /** Statements (round trips) per call: per operation, or per batch for bulk and streaming. */
  statementsPerCall: number;
  /** `median` over raw pg's median. */
  ratio?: number;
  /** Streaming: largest RSS growth over the rounds, in MB. */
  peakRssGrowthMb?: number;
}

/** One scenario's figures. */
export interface ScenarioResult {
  key: string;
  label: string;
  unit: 'ops/s' | 'rows/s';
  concurrency: number;
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
    tasks: number;
    deep: number;
    poolSize: number;
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
  const limit = scenario.results.find((r) => r.contender === LIMIT)?.median;
  for (const r of scenario.results) r.ratio = limit ? r.median / limit : undefined;
  return scenario;
}
