import { DatabaseError } from './database.error';

/** A unique constraint rejected the write (SQLSTATE 23505). */
export class UniqueViolationError extends DatabaseError {
  /** Another live `users` row already has this `email`: change it, or restore/delete the other row first. */
  static onColumns(entity: string, fields: readonly string[], cause?: unknown): UniqueViolationError {
    const what = fields.length ? fields.join(', ') : 'a unique key';
    return new UniqueViolationError(`another ${entity} already has the same ${what}`, { entity, fields, cause });
  }
}
