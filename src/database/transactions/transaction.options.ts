/** How a transactional scope relates to a transaction already open in the async context. */
export enum Propagation {
  /** Join the open transaction, or start one (default). */
  Required = 'REQUIRED',
  /** Always start a new, independent transaction on another connection; the open one waits. */
  RequiresNew = 'REQUIRES_NEW',
  /** A savepoint inside the open transaction (rolled back alone on failure), or a new transaction. */
  Nested = 'NESTED',
  /** Join the open transaction; fail if there is none. */
  Mandatory = 'MANDATORY',
  /** Run outside any transaction; fail if one is open. */
  Never = 'NEVER',
}

/** Isolation levels PostgreSQL implements. */
export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

/** Default `retries` of an outermost transaction. */
export const DEFAULT_TRANSACTION_RETRIES = 3;
/** First retry delay; each next one doubles, with full jitter. */
export const RETRY_BASE_DELAY_MS = 20;
/** Longest retry delay. */
export const RETRY_MAX_DELAY_MS = 1_000;

/** Options of `DatabaseService.transaction()` and `@Transactional()`. */
export interface TransactionOptions {
  /** Default: READ COMMITTED. Applies when a new transaction starts. */
  isolationLevel?: IsolationLevel;
  /** Default: `Propagation.Required`. */
  propagation?: Propagation;
  /** `SET TRANSACTION READ ONLY`: the server rejects writes. */
  readOnly?: boolean;
  /** Server-side bound on each statement of the transaction (`SET LOCAL statement_timeout`). */
  timeoutMs?: number;
  /**
   * Retries of the whole callback on serialization failure (40001), deadlock (40P01), a
   * connection lost before COMMIT was sent, or a write refused by a read-only server (25006, a
   * failover's window; its connection is dropped). Outermost transactions only. Default: `DEFAULT_TRANSACTION_RETRIES`.
   */
  retries?: number;
}
