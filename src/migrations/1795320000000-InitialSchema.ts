import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, tasks, task executions, the audit log and system configuration.
 * Constraint names are TypeORM's own, so `migration:generate` finds nothing to change.
 */
export class InitialSchema1795320000000 implements MigrationInterface {
  name = 'InitialSchema1795320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "version" integer NOT NULL DEFAULT '1',
        "deleted_at" TIMESTAMP WITH TIME ZONE,
        "email" character varying(320) NOT NULL,
        "display_name" character varying(200) NOT NULL,
        CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_users_created_at" ON "users" ("created_at", "id")`);
    // Uniqueness among live rows only: a soft-deleted user's email can be registered again.
    await q.query(`CREATE UNIQUE INDEX "ux_users_email_live" ON "users" ("email") WHERE "deleted_at" IS NULL`);

    await q.query(
      `CREATE TYPE "public"."task_status" AS ENUM('pending', 'in_progress', 'completed', 'failed', 'cancelled')`,
    );
    await q.query(`
      CREATE TABLE "tasks" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "version" integer NOT NULL DEFAULT '1',
        "deleted_at" TIMESTAMP WITH TIME ZONE,
        "title" character varying(200) NOT NULL,
        "description" text,
        "status" "public"."task_status" NOT NULL DEFAULT 'pending',
        "priority" smallint NOT NULL DEFAULT '0',
        "requirements" jsonb NOT NULL DEFAULT '{}',
        "assignee_id" uuid,
        "parent_id" uuid,
        CONSTRAINT "ck_tasks_priority" CHECK ("priority" BETWEEN 0 AND 10),
        CONSTRAINT "PK_8d12ff38fcc62aaba2cab748772" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_tasks_assignee_id" ON "tasks" ("assignee_id")`);
    await q.query(`CREATE INDEX "ix_tasks_parent_id" ON "tasks" ("parent_id")`);
    await q.query(`CREATE INDEX "ix_tasks_created_at" ON "tasks" ("created_at", "id")`);
    await q.query(`CREATE INDEX "ix_tasks_status_created_at" ON "tasks" ("status", "created_at", "id")`);

    await q.query(
      `CREATE TYPE "public"."execution_status" AS ENUM('queued', 'running', 'succeeded', 'failed', 'cancelled')`,
    );
    await q.query(`
      CREATE TABLE "task_executions" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "version" integer NOT NULL DEFAULT '1',
        "deleted_at" TIMESTAMP WITH TIME ZONE,
        "task_id" uuid NOT NULL,
        "agent_type" character varying(100) NOT NULL,
        "status" "public"."execution_status" NOT NULL DEFAULT 'queued',
        "logs" jsonb NOT NULL DEFAULT '[]',
        "started_at" TIMESTAMP WITH TIME ZONE,
        "completed_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_c7eaf7e1f306ae5b1938e759152" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_task_executions_task_id" ON "task_executions" ("task_id", "created_at", "id")`);

    await q.query(`
      CREATE TABLE "audit_logs" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "entity_type" character varying(100) NOT NULL,
        "entity_id" character varying(200) NOT NULL,
        "action" character varying(20) NOT NULL,
        "old_values" jsonb,
        "new_values" jsonb,
        "actor" character varying(200) NOT NULL,
        "request_id" character varying(100),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_1bb179d048bbc581caa3b013439" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE INDEX "ix_audit_logs_created_at" ON "audit_logs" ("created_at", "id")`);
    await q.query(`CREATE INDEX "ix_audit_logs_entity" ON "audit_logs" ("entity_type", "entity_id", "created_at")`);

    await q.query(`
      CREATE TABLE "system_config" (
        "key" character varying(200) NOT NULL,
        "value" jsonb NOT NULL,
        "description" text,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "version" integer NOT NULL DEFAULT '1',
        CONSTRAINT "PK_eedd3cd0f227c7fb5eff2204e93" PRIMARY KEY ("key")
      )`);

    await q.query(
      `ALTER TABLE "tasks" ADD CONSTRAINT "FK_855d484825b715c545349212c7f" FOREIGN KEY ("assignee_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "tasks" ADD CONSTRAINT "FK_b03c99063a4eaf084f069a4d5a7" FOREIGN KEY ("parent_id") REFERENCES "tasks"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "task_executions" ADD CONSTRAINT "FK_5b81d3bcbd7c22af221d03ffb1e" FOREIGN KEY ("task_id") REFERENCES "tasks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "system_config"`);
    await q.query(`DROP TABLE "audit_logs"`);
    await q.query(`DROP TABLE "task_executions"`);
    await q.query(`DROP TYPE "public"."execution_status"`);
    await q.query(`DROP TABLE "tasks"`);
    await q.query(`DROP TYPE "public"."task_status"`);
    await q.query(`DROP TABLE "users"`);
  }
}
