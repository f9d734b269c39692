import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import { sqlStateOf } from '../errors/sql-state';
import { translateDatabaseError } from '../errors/translate-database-error';
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from './transaction.options';

/** SQLSTATEs after which PostgreSQL has rolled back and the whole callback can run again. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/**
 * @internal Whether an error, or one in its cause chain, means the connection is gone or must go:
 * what the data layer itself reports as `DatabaseUnavailableError` (class 08, admin shutdown,
 * socket errors, and a write refused by a read-only server, 25006: in a failover the connection
 * may lead to a standby or a demoted primary, so it is dropped and the next one is opened anew).
 */
export function isConnectionLoss(error: unknown): boolean {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (translateDatabaseError(e) instanceof DatabaseUnavailableError) return true;
  }
  return false;
}

/** @internal Whether running the whole transaction again is safe and may succeed. */
export function isRetryable(error: unknown): boolean {
  const code = sqlStateOf(error);
  return (code !== undefined && RETRYABLE_SQLSTATES.has(code)) || isConnectionLoss(error);
}

/** @internal Full-jitter exponential backoff for attempt 1, 2, … */
export function retryDelay(attempt: number): number {
  return Math.random() * Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** (attempt - 1));
}
