import { DatabaseError } from '../errors/database.error';

/**
 * An entity lacks what a RepositoryService feature needs (or has a shape the service does not
 * support): thrown when the service is built, or when the feature is called, before any SQL runs.
 * The message names the entity and what to add or change.
 */
export class UnsupportedEntityError extends DatabaseError {
  protected constructor(entity: string, message: string, fields: readonly string[] = []) {
    super(`${entity}: ${message}`, { entity, fields });
  }

  /** A primary key of several columns: RepositoryService addresses rows by one key column. */
  static compositeKey(entity: string, properties: string[]): UnsupportedEntityError {
    return new UnsupportedEntityError(
      entity,
      `RepositoryService needs a single-column primary key, and this entity's has ${properties.length} (${properties.join(', ')}); use TypeORM's Repository (RepositoryService.repository) for it, or give it one surrogate key (@PrimaryGeneratedColumn()) and a unique index on the others`,
      properties,
    );
  }

  /** Table inheritance or a tree: TypeORM fills columns (discriminator, tree paths) the service does not. */
  static shape(entity: string, what: string): UnsupportedEntityError {
    return new UnsupportedEntityError(
      entity,
      `RepositoryService does not support ${what}; use TypeORM's Repository (RepositoryService.repository) for this entity`,
    );
  }

  /** `softDelete`/`restore`/`withDeleted` on an entity without a delete-date column. */
  static notSoftDeletable(entity: string, operation: string): UnsupportedEntityError {
    return new UnsupportedEntityError(
      entity,
      `${operation} needs a @DeleteDateColumn() on the entity (e.g. @DeleteDateColumn({ type: 'timestamptz' }) deletedAt: Date | null); without one, use delete()`,
    );
  }

  /** `update(…, { expectedVersion })` on an entity without a version column. */
  static noVersion(entity: string): UnsupportedEntityError {
    return new UnsupportedEntityError(
      entity,
      'expectedVersion needs a @VersionColumn() on the entity (e.g. @VersionColumn() version: number); without one, update without expectedVersion',
      ['expectedVersion'],
    );
  }
}
