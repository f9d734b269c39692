import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One recorded change to an entity. Append-only: never updated, never soft-deleted. */
@Entity({ name: 'audit_logs' })
@Index('ix_audit_logs_entity', ['entityType', 'entityId', 'createdAt'])
@Index('ix_audit_logs_created_at', ['createdAt', 'id'])
export class AuditLog {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Entity name, e.g. `User`. */
  @Column({ name: 'entity_type', type: 'varchar', length: 100 })
  entityType: string;

  /** Primary key of the changed row. */
  @Column({ name: 'entity_id', type: 'varchar', length: 200 })
  entityId: string;

  /** create, update, soft_delete, restore or delete. */
  @Column({ type: 'varchar', length: 20 })
  action: string;

  /** Values before the change (changed fields only, for updates). */
  @Column({ name: 'old_values', type: 'jsonb', nullable: true })
  oldValues: Record<string, unknown> | null;

  /** Values after the change. */
  @Column({ name: 'new_values', type: 'jsonb', nullable: true })
  newValues: Record<string, unknown> | null;

  /** Who made the change, `system` outside requests. */
  @Column({ type: 'varchar', length: 200 })
  actor: string;

  /** The request that made the change, if any. */
  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true })
  requestId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
