import { DatabaseError } from './database.error';

/** A list query (limit, page, cursor, sortBy, filter.*) is malformed or not allowed. */
export class InvalidQueryError extends DatabaseError {
  constructor(
    /** The offending query parameter, e.g. `filter.status`. */
    readonly parameter: string,
    reason: string,
  ) {
    super(`${parameter}: ${reason}`, { fields: [parameter] });
  }
}
