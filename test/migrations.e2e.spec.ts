import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { openDataSource } from './support/test-data-source';

/** The public schema as the catalog describes it: columns, constraints, indexes and types. */
async function catalog(ds: DataSource): Promise<unknown> {
  const [columns, constraints, indexes, types] = await Promise.all([
    ds.query(`SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, character_maximum_length
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

describe('the first migration on an empty database', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    ds = await openDataSource(db);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('up creates the schema, down removes it, up again gives the identical catalog', async () => {
    expect(await tableNames(ds)).toEqual([]);
    await ds.runMigrations();
    expect(await tableNames(ds)).toEqual([
      'audit_logs',
      'migrations',
      'system_config',
      'task_executions',
      'tasks',
      'users',
    ]);
    const first = await catalog(ds);

    await ds.undoLastMigration();
    expect(await tableNames(ds)).toEqual(['migrations']);
    expect(await ds.query(`SELECT typname FROM pg_type WHERE typname IN ('task_status', 'execution_status')`)).toEqual(
      [],
    );

    await ds.runMigrations();
    expect(await catalog(ds)).toEqual(first);
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
