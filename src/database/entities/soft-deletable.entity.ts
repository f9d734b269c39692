import { DeleteDateColumn } from 'typeorm';
import { Queryable, RANGE_OPERATORS } from '../repository/queryable.decorator';
import { AbstractEntity } from './abstract.entity';

/**
 * Base of entities that are soft-deleted: `deletedAt` is set instead of removing the row, and
 * TypeORM's finders skip such rows unless `withDeleted` is asked for.
 */
export abstract class SoftDeletableEntity extends AbstractEntity {
  /** When the row was soft-deleted; `null` while it is live. */
  @Queryable({ filter: RANGE_OPERATORS })
  @DeleteDateColumn({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  /** JSON without `deletedAt` while the row is live: it appears only on soft-deleted rows. */
  toJSON(): Record<string, unknown> {
    if (this.deletedAt) return { ...this } as Record<string, unknown>;
    const { deletedAt: _deleted, ...live } = this;
    return live;
  }
}
