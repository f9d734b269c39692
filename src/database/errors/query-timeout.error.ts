import { DatabaseError } from './database.error';

/** The server cancelled a statement that ran past its timeout (SQLSTATE 57014). */
export class QueryTimeoutError extends DatabaseError {
  /** Cancelled by `statement_timeout` (or a user cancel). */
  static cancelled(cause?: unknown): QueryTimeoutError {
    return new QueryTimeoutError('the database cancelled a statement that ran too long', { cause });
  }
}
