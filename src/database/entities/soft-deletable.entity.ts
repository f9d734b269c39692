import { DeleteDateColumn } from 'typeorm';
import { AbstractEntity } from './abstract.entity';

/**
 * Base of entities that are soft-deleted: `deletedAt` is set instead of removing the row, and
 * TypeORM's finders skip such rows unless `withDeleted` is asked for.
 */
export abstract class SoftDeletableEntity extends AbstractEntity {
  /** When the row was soft-deleted; `null` while it is live. */
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
