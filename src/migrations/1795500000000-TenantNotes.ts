import { MigrationInterface, QueryRunner } from 'typeorm';
import { dropTenantPolicySql, tenantColumnDefaultSql, tenantPolicySql } from '../database';

/**
 * `notes`, the example's tenant-scoped table: `tenant_id` defaults to the statement's tenant
 * (`app.tenant_id`, set transaction-locally by the module), and row-level security, FORCEd so the
 * table's owner is bound too, shows and accepts the rows of that tenant only; with no tenant, none.
 */
export class TenantNotes1795500000000 implements MigrationInterface {
  name = 'TenantNotes1795500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "notes" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "version" integer NOT NULL DEFAULT '1',
        "deleted_at" TIMESTAMP WITH TIME ZONE,
        "tenant_id" uuid NOT NULL DEFAULT ${tenantColumnDefaultSql('uuid')},
        "title" character varying(200) NOT NULL,
        "body" text,
        CONSTRAINT "PK_af6206538ea96c4e77e9f400c3d" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_notes_tenant_id_created_at" ON "notes" ("tenant_id", "created_at", "id")`);
    for (const sql of tenantPolicySql({ table: 'notes', column: 'tenant_id', type: 'uuid' })) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const sql of dropTenantPolicySql({ table: 'notes' })) await q.query(sql);
    await q.query(`DROP TABLE "notes"`);
  }
}
