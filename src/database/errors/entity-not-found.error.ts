import { DatabaseError } from './database.error';

/** No live row of the entity has that id. */
export class EntityNotFoundError extends DatabaseError {
  /** `User` with id `…` was not found (or is soft-deleted). */
  static byId(entity: string, id: unknown): EntityNotFoundError {
    return new EntityNotFoundError(`${entity} ${String(id).slice(0, 64)} was not found`, { entity, fields: ['id'] });
  }
}
