import { DatabaseError } from './database.error';

/** The row changed since the caller read it: its version no longer matches. Nothing was written. */
export class OptimisticLockError extends DatabaseError {
  /** Expected `expected`, found `actual`: read the row again and retry with its current version. */
  static versionMismatch(entity: string, id: unknown, expected: number, actual: number): OptimisticLockError {
    return new OptimisticLockError(
      `${entity} ${String(id).slice(0, 64)} is at version ${actual}, not ${expected}: read it again and retry`,
      { entity, fields: ['version'] },
    );
  }
}
