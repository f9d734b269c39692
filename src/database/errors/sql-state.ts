import { DatabaseError } from 'pg';

/**
 * @internal `read_only_sql_transaction`: a write refused because the session is read-only. Outside a
 * transaction the application opened `readOnly`, the server is a standby (in recovery, or a primary
 * demoted or not yet promoted in a failover) or has `default_transaction_read_only` on.
 */
export const READ_ONLY_SQL_TRANSACTION = '25006';

/**
 * @internal The SQLSTATE of an error, or of the first error in its cause chain that has one
 * (typed errors and TypeORM's QueryFailedError wrap pg's). Node's own codes such as EPIPE are not
 * SQLSTATEs: no SQLSTATE class starts with E.
 */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e: any = error, depth = 0; e && depth < 5; e = e.cause ?? e.driverError, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** @internal The SQLSTATE of an error the server sent; undefined for client-side failures (socket, pool, TLS). */
export function serverSqlState(error: unknown): string | undefined {
  return error instanceof DatabaseError ? error.code : undefined;
}
