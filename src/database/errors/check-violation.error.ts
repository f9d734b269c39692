import { DatabaseError } from './database.error';

/** A CHECK constraint rejected the values (SQLSTATE 23514). */
export class CheckViolationError extends DatabaseError {
  /** The values of `fields` break a rule of `entity`. */
  static onConstraint(entity: string, fields: readonly string[], cause?: unknown): CheckViolationError {
    const what = fields.length ? fields.join(', ') : 'its values';
    return new CheckViolationError(`${entity} ${what} out of the allowed range`, { entity, fields, cause });
  }
}
