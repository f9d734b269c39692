import type { StartedTestApp } from './test-app';

/** Row count and md5 of every row, per table. */
export type TableChecksums = Record<string, { rows: number; md5: string | null }>;

const CANARY_TABLE = 'injection_canary_calls';

/**
 * Row count and md5 of all rows (as text, in text order) of every table of the `public` schema:
 * the app's tables, its audit trail and the migration bookkeeping. Rows whose `id`, `entity_id`
 * or `task_id` is in `except` are left out (rows a test created or changed on purpose, their audit
 * entries and executions). Equal checksums mean unchanged contents. One statement.
 */
export async function tableChecksums(t: StartedTestApp, except: string[] = []): Promise<TableChecksums> {
  const tables: Array<{ name: string }> = await t.dataSource.query(
    `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
  );
  const parts = tables.map(
    ({ name }) =>
      `SELECT '${name}' AS name, count(*)::int AS rows, md5(string_agg(x::text, ',' ORDER BY x::text)) AS md5
         FROM ${name} x
        WHERE coalesce(to_jsonb(x) ->> 'id', '') <> ALL($1::text[])
          AND coalesce(to_jsonb(x) ->> 'entity_id', '') <> ALL($1::text[])
          AND coalesce(to_jsonb(x) ->> 'task_id', '') <> ALL($1::text[])`,
  );
  const rows: Array<{ name: string; rows: number; md5: string | null }> = await t.dataSource.query(
    parts.join(' UNION ALL '),
    [except],
  );
  return Object.fromEntries(rows.map(({ name, rows: count, md5 }) => [name, { rows: count, md5 }]));
}

/**
 * Installs `injection_canary()` in the test's database: a function that records each call in a
 * table. Hostile strings call it (`' OR injection_canary() --`); if any reached SQL text, the
 * table says so. No clock is involved, unlike a `pg_sleep` probe.
 */
export async function installInjectionCanary(t: StartedTestApp): Promise<void> {
  await t.dataSource.query(`CREATE TABLE ${CANARY_TABLE} (called_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await t.dataSource.query(
    `CREATE FUNCTION injection_canary() RETURNS boolean LANGUAGE sql VOLATILE AS
       $$ INSERT INTO ${CANARY_TABLE} DEFAULT VALUES; SELECT true $$`,
  );
}

/** How many times `injection_canary()` ran. */
export async function injectionCanaryCalls(t: StartedTestApp): Promise<number> {
  const [row] = await t.dataSource.query(`SELECT count(*)::int AS calls FROM ${CANARY_TABLE}`);
  return row.calls;
}
