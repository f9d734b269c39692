import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tasks' (status, created_at, id) index becomes partial, of live tasks only (`deleted_at IS
 * NULL`): every list by status leaves soft-deleted tasks out, and with that condition in the index a
 * deep offset page finds its keys by an index-only scan (no table row read per row skipped). Smaller
 * too: soft-deleted tasks leave it. A list of deleted tasks by status reads `ix_tasks_created_at`.
 */
export class LiveTaskStatusIndex1795600000000 implements MigrationInterface {
  name = 'LiveTaskStatusIndex1795600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "ix_tasks_live_status_created_at" ON "tasks" ("status", "created_at", "id") WHERE "deleted_at" IS NULL`,
    );
    await q.query(`DROP INDEX "ix_tasks_status_created_at"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "ix_tasks_status_created_at" ON "tasks" ("status", "created_at", "id")`);
    await q.query(`DROP INDEX "ix_tasks_live_status_created_at"`);
  }
}
