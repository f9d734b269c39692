import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { APP_MIGRATION_NAMES } from './support/app-migrations';
import { openDataSource } from './support/test-data-source';
import { InitialSchema1795320000000 } from '../src/migrations/1795320000000-InitialSchema';

/** The public schema as the catalog describes it: columns, constraints, indexes and types. */
async function catalog(ds: DataSource): Promise<unknown> {
  const [columns, constraints, indexes, types] = await Promise.all([
    ds.query(`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length,
                     collation_name, is_identity, identity_generation
                FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'migrations'
               ORDER BY table_name, column_name`),
    ds.query(`SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
                FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                 AND conrelid <> 'public.migrations'::regclass ORDER BY 1, 2`),
    ds.query(`SELECT tablename, indexname, indexdef FROM pg_indexes
               WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1, 2`),
    ds.query(`SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) AS labels
                FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY 1 ORDER BY 1`),
  ]);
  return { columns, constraints, indexes, types };
}

async function tableNames(ds: DataSource): Promise<string[]> {
  const rows = await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  return rows.map((r: { tablename: string }) => r.tablename);
}

describe('the migrations on an empty database', () => {
  let db: TestDatabase;
  let ds: DataSource;
  /** The same database with the first migration only. */
  let first: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    ds = await openDataSource(db);
    first = await new DataSource({ ...ds.options, migrations: [InitialSchema1795320000000] }).initialize();
  });
  afterAll(async () => {
    await first?.destroy();
    await ds?.destroy();
    await db?.drop();
  });

  it('up creates the schema, each down undoes its own up, up again gives the identical catalog', async () => {
    expect(ds.migrations.map((m) => m.name).sort()).toEqual([...APP_MIGRATION_NAMES].sort());
    expect(await tableNames(ds)).toEqual([]);
    await first.runMigrations();
    expect(await tableNames(ds)).toEqual([
      'audit_logs',
      'migrations',
      'system_config',
      'task_executions',
      'tasks',
      'users',
    ]);
    const afterFirst = await catalog(ds);
    expect(await ds.runMigrations()).toHaveLength(APP_MIGRATION_NAMES.length - 1);
    const latest = await catalog(ds);
    expect(latest).not.toEqual(afterFirst);

    for (let i = 1; i < APP_MIGRATION_NAMES.length; i++) await ds.undoLastMigration();
    expect(await catalog(ds)).toEqual(afterFirst);
    await ds.undoLastMigration();
    expect(await tableNames(ds)).toEqual(['migrations']);
    expect(await ds.query(`SELECT typname FROM pg_type WHERE typname IN ('task_status', 'execution_status')`)).toEqual(
      [],
    );

    expect(await ds.runMigrations()).toHaveLength(APP_MIGRATION_NAMES.length);
    expect(await catalog(ds)).toEqual(latest);
  });

  it('numbers existing audit rows in the order they were written, and keeps them on the way down', async () => {
    await ds.undoLastMigration(); // LiveTaskStatusIndex
    await ds.undoLastMigration(); // TenantNotes
    await ds.undoLastMigration(); // AuditLogSequentialIds
    await ds.query(`INSERT INTO audit_logs (entity_type, entity_id, action, actor, created_at)
                    SELECT 'Task', 'id-' || i, 'create', 'seed', now() - (10 - i) * interval '1 minute'
                      FROM generate_series(1, 3) i`);
    await ds.runMigrations();
    const numbered = await ds.query(`SELECT id, entity_id FROM audit_logs ORDER BY id`);
    expect(numbered).toEqual([
      { id: '1', entity_id: 'id-1' },
      { id: '2', entity_id: 'id-2' },
      { id: '3', entity_id: 'id-3' },
    ]);
    // Ids are the database's to give: a write that brings its own is refused.
    await expect(
      ds.query(
        `INSERT INTO audit_logs (id, entity_type, entity_id, action, actor) VALUES (99, 'Task', 'x', 'create', 'a')`,
      ),
    ).rejects.toThrow(/non-DEFAULT value into column "id"/);
    const [next] = await ds.query(
      `INSERT INTO audit_logs (entity_type, entity_id, action, actor) VALUES ('Task', 'id-4', 'create', 'a') RETURNING id`,
    );
    expect(next.id).toBe('4');

    await ds.undoLastMigration(); // LiveTaskStatusIndex
    await ds.undoLastMigration(); // TenantNotes
    await ds.undoLastMigration();
    const down = await ds.query(`SELECT id, entity_id FROM audit_logs ORDER BY created_at`);
    expect(down.map((r: { entity_id: string }) => r.entity_id)).toEqual(['id-1', 'id-2', 'id-3', 'id-4']);
    expect(down.every((r: { id: string }) => /^[0-9a-f-]{36}$/.test(r.id))).toBe(true);
    await ds.runMigrations();
    await ds.query('TRUNCATE audit_logs');
  });

  it('matches the entities exactly: TypeORM finds no schema change to make', async () => {
    const log = await ds.driver.createSchemaBuilder().log();
    expect(log.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('has the indexes the example API needs, with uniqueness that ignores soft-deleted rows', async () => {
    const rows = await ds.query(`SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 'ux_users_email_live'`);
    expect(rows[0].indexdef).toMatch(/UNIQUE INDEX .* \(email\) WHERE \(deleted_at IS NULL\)/);
    const fks = await ds.query(
      `SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`,
    );
    expect(fks[0].n).toBe(3);
  });
});
