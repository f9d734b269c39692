import { IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { Column, Entity, Index } from 'typeorm';
import {
  EQUALITY_OPERATORS,
  NotAudited,
  Queryable,
  SoftDeletableEntity,
  TenantColumn,
  TEXT_OPERATORS,
} from '../database';

/**
 * A note of one tenant: the example app's tenant-scoped resource. Its table's row-level security
 * policy (migration `TenantNotes`) shows and accepts the rows of the request's tenant only
 * (`X-Tenant-Id`); an insert is stamped with that tenant by the column's default. Not audited:
 * the audit trail (`/audit-logs`) is one table for every tenant, and would show a note's values
 * to any of them.
 */
@NotAudited()
@Entity({ name: 'notes' })
@Index('ix_notes_tenant_id_created_at', ['tenantId', 'createdAt', 'id'])
export class Note extends SoftDeletableEntity {
  /** The tenant the note belongs to (set by the database from the request's tenant). */
  @Queryable({ filter: EQUALITY_OPERATORS })
  @TenantColumn()
  tenantId: string;

  /** Short summary. */
  @IsString()
  @Length(1, 200)
  @Queryable({ sortable: true, filter: TEXT_OPERATORS })
  @Column({ type: 'varchar', length: 200 })
  title: string;

  /** Free text. */
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @Column({ type: 'text', nullable: true })
  body: string | null;
}
