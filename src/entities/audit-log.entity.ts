import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { EQUALITY_OPERATORS, NotAudited, Queryable, RANGE_OPERATORS } from '../database';

/** One recorded change to an entity, written with the change. Append-only: never updated, never soft-deleted. */
@NotAudited()
@Entity({ name: 'audit_logs' })
@Index('ix_audit_logs_entity', ['entityType', 'entityId', 'createdAt'])
@Index('ix_audit_logs_created_at', ['createdAt', 'id'])
export class AuditLog {
  /** Numbered in insertion order (a `bigint`, so a string in JavaScript). */
  @Queryable({ sortable: true, filter: EQUALITY_OPERATORS })
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** Entity name, e.g. `User`. */
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Column({ name: 'entity_type', type: 'varchar', length: 100, collation: 'C' })
  entityType: string;

  /** Primary key of the changed row. */
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Column({ name: 'entity_id', type: 'varchar', length: 200, collation: 'C' })
  entityId: string;

  /** create, update, soft_delete, restore or delete. */
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Column({ type: 'varchar', length: 20 })
  action: string;

  /** Values before the change (changed fields only, for updates). */
  @Column({ name: 'old_values', type: 'jsonb', nullable: true })
  oldValues: Record<string, unknown> | null;

  /** Values after the change. */
  @Column({ name: 'new_values', type: 'jsonb', nullable: true })
  newValues: Record<string, unknown> | null;

  /** Who made the change, `system` outside requests. */
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Column({ type: 'varchar', length: 200 })
  actor: string;

  /** The request that made the change, if any. */
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true })
  requestId: string | null;

  /** When the change was made: `clock_timestamp()`, so changes within one transaction keep their order. */
  @Queryable({ sortable: true, filter: RANGE_OPERATORS })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  createdAt: Date;
}
