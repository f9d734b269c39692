import { CreateDateColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import { Queryable, RANGE_OPERATORS } from '../repository/queryable.decorator';

/**
 * Creation and update times (timestamptz) and a version for optimistic locking, without an id:
 * the base of entities with a natural key (e.g. a configuration key).
 */
export abstract class TimestampedEntity {
  /** When the row was inserted. */
  @Queryable({ sortable: true, filter: RANGE_OPERATORS })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** When the row was last updated. */
  @Queryable({ sortable: true, filter: RANGE_OPERATORS })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Incremented on every update; the optimistic-locking token. */
  @VersionColumn({ default: 1 })
  version: number;
}
