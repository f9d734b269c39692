import { DatabaseError } from './database.error';

/** Longest client-chosen parameter name an error repeats (a longer one is cut, with `…`). */
const MAX_ECHOED_NAME = 64;

/** A list query (limit, page, cursor, sortBy, filter.*) is malformed or not allowed. */
export class InvalidQueryError extends DatabaseError {
  constructor(
    /** The offending query parameter, e.g. `filter.status`. */
    readonly parameter: string,
    reason: string,
  ) {
    const shown = parameter.length > MAX_ECHOED_NAME ? `${parameter.slice(0, MAX_ECHOED_NAME)}…` : parameter;
    super(`${shown}: ${reason}`, { fields: [shown] });
  }
}
