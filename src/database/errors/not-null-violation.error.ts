import { DatabaseError } from './database.error';

/** A required column was left empty (SQLSTATE 23502). */
export class NotNullViolationError extends DatabaseError {
  /** `field` of `entity` is required. */
  static onColumn(entity: string, field: string | undefined, cause?: unknown): NotNullViolationError {
    return new NotNullViolationError(`${entity} ${field ?? 'a field'} is required`, {
      entity,
      fields: field ? [field] : [],
      cause,
    });
  }
}
