import { DatabaseError } from './database.error';

/** The database cannot be reached or will not take more work now; retrying later may succeed. */
export class DatabaseUnavailableError extends DatabaseError {
  /** Connection failure, server shutdown, too many connections, a pool wait timeout, or a server that takes no writes. */
  static because(reason: string, cause?: unknown): DatabaseUnavailableError {
    return new DatabaseUnavailableError(`the database is unavailable: ${reason}`, { cause });
  }
}
