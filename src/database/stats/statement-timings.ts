import { CLIENT_ERROR_CLASS, SqlObserver } from '../sql/sql-executor';

/** Statement figures since start, as connection managers report them; from `DatabaseService.getStats()`. */
export interface StatementTimingStats {
  /** Statements run through RepositoryService and `query`/`execute`, failed ones included. */
  total: number;
  /** Statements that failed, whatever the cause. */
  failed: number;
  /** `(total - failed) / total`; 1 while none ran. */
  successRate: number;
  /** Mean duration in ms, failed statements included; 0 while none ran. */
  avgMs: number;
  /**
   * 99th percentile of durations in ms, from a log-scale histogram (buckets 9% apart): at least the
   * true p99 and at most 9% over it, never over `maxMs`; 0 while none ran.
   */
  p99Ms: number;
  /** Longest duration in ms. */
  maxMs: number;
  /** Successful statements slower than `DB_SLOW_QUERY_MS` (the ones the slow-query log reports). */
  slow: number;
  /**
   * Failed statements that had no connection or lost theirs: no SQLSTATE (refused, reset, pool wait
   * timeout, not connected yet) or SQLSTATE class 08, 57P01–57P03, 53300.
   */
  connectionErrors: number;
}

const MIN_MS = 0.01;
/** Buckets per doubling: each bucket's bound is 2^(1/8) ≈ 1.09 times the previous one. */
const STEPS = 8;
/** Enough buckets to reach an hour; longer statements share the last one. */
const BUCKETS = Math.ceil(Math.log2(3_600_000 / MIN_MS) * STEPS) + 1;
const CONNECTION_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** @internal Whether a failed statement's SQLSTATE (or {@link CLIENT_ERROR_CLASS}) says it had no usable connection. */
export function isConnectionFailure(sqlState: string): boolean {
  return sqlState === CLIENT_ERROR_CLASS || sqlState.startsWith('08') || CONNECTION_SQLSTATES.has(sqlState);
}

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log2(ms / MIN_MS) * STEPS));
}

function upperBound(bucket: number): number {
  return MIN_MS * 2 ** (bucket / STEPS);
}

/**
 * @internal The statement observer the module always installs: counts, durations in a fixed
 * histogram (O(1) per statement, fixed memory), slow statements and connection failures; forwards
 * each statement to `next` (the observer set with `DatabaseService.observeQueries`, e.g. metrics).
 */
export class StatementTimings implements SqlObserver {
  /** Told about every statement after this one; set by `DatabaseService.observeQueries`. */
  next: SqlObserver | undefined;
  private readonly histogram = new Uint32Array(BUCKETS);
  private total = 0;
  private failed = 0;
  private totalMs = 0;
  private maxMs = 0;
  private slow = 0;
  private connectionErrors = 0;

  /** @param slowMs the slow-statement threshold in ms (`DB_SLOW_QUERY_MS`); 0 or undefined: none. */
  constructor(private readonly slowMs: number | undefined) {}

  onStatement(
    statement: string | undefined,
    text: string,
    entity: string | undefined,
    durationMs: number,
    sqlState: string | undefined,
  ): void {
    this.total++;
    this.totalMs += durationMs;
    if (durationMs > this.maxMs) this.maxMs = durationMs;
    this.histogram[bucketOf(durationMs)]++;
    if (sqlState !== undefined) {
      this.failed++;
      if (isConnectionFailure(sqlState)) this.connectionErrors++;
    } else if (this.slowMs && durationMs > this.slowMs) {
      this.slow++;
    }
    this.next?.onStatement(statement, text, entity, durationMs, sqlState);
  }

  /** The figures now: a snapshot, safe to keep. */
  snapshot(): StatementTimingStats {
    const { total, failed } = this;
    return {
      total,
      failed,
      successRate: total === 0 ? 1 : (total - failed) / total,
      avgMs: total === 0 ? 0 : this.totalMs / total,
      p99Ms: this.percentile(0.99),
      maxMs: this.maxMs,
      slow: this.slow,
      connectionErrors: this.connectionErrors,
    };
  }

  /** The upper bound of the bucket holding the `q` quantile, capped at the longest duration seen. */
  private percentile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.histogram[bucket];
      if (seen >= rank) return Math.min(upperBound(bucket), this.maxMs);
    }
    return this.maxMs;
  }
}
