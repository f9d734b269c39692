import { DatabaseError } from './database.error';

/** A foreign key rejected the write (SQLSTATE 23503): a referenced row is missing, or still referenced. */
export class ForeignKeyViolationError extends DatabaseError {
  /** The row references a missing row, or is still referenced by others. */
  static onColumns(entity: string, fields: readonly string[], cause?: unknown): ForeignKeyViolationError {
    const what = fields.length ? fields.join(', ') : 'a reference';
    return new ForeignKeyViolationError(
      `${entity} ${what} refers to a row that does not exist, or is still referenced`,
      {
        entity,
        fields,
        cause,
      },
    );
  }
}
