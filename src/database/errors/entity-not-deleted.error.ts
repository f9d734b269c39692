import { DatabaseError } from './database.error';

/** The row to restore is live: only a soft-deleted row can be restored. Nothing was written. */
export class EntityNotDeletedError extends DatabaseError {
  /** `User` with id `…` is not deleted: there is nothing to restore. */
  static byId(entity: string, id: unknown): EntityNotDeletedError {
    return new EntityNotDeletedError(
      `${entity} ${String(id).slice(0, 64)} is not deleted: there is nothing to restore`,
      { entity, fields: ['id'] },
    );
  }
}
