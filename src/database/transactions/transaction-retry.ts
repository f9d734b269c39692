import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from './transaction.options';

/** SQLSTATEs after which PostgreSQL has rolled back and the whole callback can run again. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const CONNECTION_LOST =
  /Connection terminated|connection lost|not queryable|connection error|ECONNRESET|EPIPE|terminating connection/i;

/** @internal The SQLSTATE of an error or of any error in its cause chain (typed errors wrap pg's). */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause ?? e.driverError, depth++) {
    // Five characters, and not a Node error code such as EPIPE (no SQLSTATE class starts with E).
    if (typeof e.code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** @internal Whether an error means the connection died (class 08, admin shutdown, socket errors). */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const code = sqlStateOf(error);
  if (code && (code.startsWith('08') || code === '57P01' || code === '57P02')) return true;
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause ?? e.driverError, depth++) {
    if (CONNECTION_LOST.test(String(e.message ?? '')) || ['ECONNRESET', 'EPIPE'].includes(e.code)) return true;
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
