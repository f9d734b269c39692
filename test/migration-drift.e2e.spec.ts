import { Client } from 'pg';
import { appDataSourceOptions } from '../src/app.data-source';
import { checkMigrations, GuardedDataSource, MIGRATION_CHECK_EXIT_CODES, MigrationGuardError } from '../src/database';
import { migrationLockKey } from '../src/database/migrations/migration-lock';
import {
  AddDriftItemsNote1810000000002,
  BrokenDriftItems1810000000004,
  CommitsItself1810000000005,
  CreateDriftItems1810000000001,
  DriftItem,
  DriftItemWithColor,
  IndexDriftItemsConcurrently1810000000003,
} from './fixtures/drift-fixtures';
import { queryDb } from './support/migration-process';
import { createTestDatabase, TestDatabase } from './support/test-database';

const NOTE = 'AddDriftItemsNote1810000000002';
const C = MIGRATION_CHECK_EXIT_CODES;
const ADD_COLOR = `ALTER TABLE "drift_items" ADD "color" character varying(20);`;

/** Everything a check must leave as it was: the migrations table, the checksums, the schema. */
async function snapshot(url: string) {
  const [migrations, checksums, columns, indexes] = await Promise.all([
    queryDb(url, `SELECT id, timestamp, name FROM migrations ORDER BY id`),
    queryDb(url, `SELECT name, checksum, applied_at, execution_ms FROM migrations_checksums ORDER BY name`),
    queryDb(
      url,
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' ORDER BY table_name, column_name`,
    ),
    queryDb(url, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`),
  ]);
  return { migrations, checksums, columns, indexes };
}

describe('migration:check with pending migrations: drift against the schema they leave, read-only', () => {
  let db: TestDatabase;
  const opened: GuardedDataSource[] = [];
  const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

  async function open(entities: Function[], migrations: Function[], lockTimeoutMs?: number) {
    const ds = new GuardedDataSource({
      ...appDataSourceOptions(db.env),
      entities,
      migrations,
      migrationGuard: { logger: quiet, lockTimeoutMs },
    });
    opened.push(ds);
    return ds.initialize();
  }

  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    // The first migration applied, the second pending.
    await (await open([DriftItem], [CreateDriftItems1810000000001])).runMigrations();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    await db.drop();
  });

  // Regression: with migrations pending, the check said nothing about entities changed without a
  // migration ("the schema is compared with the entities once none is pending"); fixed.
  it('an entity changed without a migration, with migrations pending: reports both, exits 10, commits nothing', async () => {
    const before = await snapshot(db.url);
    const ds = await open([DriftItemWithColor], [CreateDriftItems1810000000001, AddDriftItemsNote1810000000002]);
    const { exitCode, lines } = await checkMigrations(ds);
    expect(exitCode).toBe(C.pending); // the documented order: pending before drift
    expect(lines).toEqual([
      `PENDING: 1 migration(s) to apply: ${NOTE} [exit 10]`,
      '  migration:run applies them',
      'DRIFT: the entities differ from the migrated schema once the pending migrations are applied ' +
        '(tried in a transaction, rolled back); this SQL would make the schema match them: [exit 14]',
      `  ${ADD_COLOR}`,
      '  generate a migration with it: npx typeorm migration:generate -d <your data-source file> <path/Name>',
    ]);
    expect(await snapshot(db.url)).toEqual(before);
    expect(before.columns.filter((c) => c.table_name === 'drift_items').map((c) => c.column_name)).toEqual([
      'id',
      'label',
    ]);
  });

  it('entities that match the schema the pending migrations leave: exits 10, says there is no drift', async () => {
    const before = await snapshot(db.url);
    const ds = await open([DriftItem], [CreateDriftItems1810000000001, AddDriftItemsNote1810000000002]);
    const { exitCode, lines } = await checkMigrations(ds);
    expect(exitCode).toBe(C.pending);
    expect(lines).toContain(
      'no drift: the entities match the schema once the pending migrations are applied (tried in a transaction, rolled back)',
    );
    expect(lines.join('\n')).not.toContain('DRIFT');
    expect(await snapshot(db.url)).toEqual(before);
  });

  it('once the migrations are applied, the same entity change exits 14', async () => {
    await (await open([DriftItem], [CreateDriftItems1810000000001, AddDriftItemsNote1810000000002])).runMigrations();
    const ds = await open([DriftItemWithColor], [CreateDriftItems1810000000001, AddDriftItemsNote1810000000002]);
    const { exitCode, lines } = await checkMigrations(ds);
    expect(exitCode).toBe(C.drift);
    expect(lines).toContain(`  ${ADD_COLOR}`);
    expect(lines[0]).toBe(
      'DRIFT: the entities differ from the migrated schema; this SQL would make the schema match them: [exit 14]',
    );
  });

  it('a pending migration without a transaction: drift unknown, said so, nothing run', async () => {
    const before = await snapshot(db.url);
    const ds = await open(
      [DriftItemWithColor],
      [CreateDriftItems1810000000001, AddDriftItemsNote1810000000002, IndexDriftItemsConcurrently1810000000003],
    );
    const { exitCode, lines } = await checkMigrations(ds);
    expect(exitCode).toBe(C.pending);
    expect(lines).toContain(
      'DRIFT UNKNOWN: pending migration(s) IndexDriftItemsConcurrently1810000000003 run without a transaction ' +
        '(transaction = false), so the pending migrations cannot be tried in one that is rolled back; ' +
        'check again once they are applied (migration:run, then migration:check)',
    );
    expect(await snapshot(db.url)).toEqual(before);
  });

  it.each([
    [
      'fails',
      BrokenDriftItems1810000000004,
      /^DRIFT UNKNOWN: trying the pending migrations \(rolled back\) failed: BrokenDriftItems1810000000004 failed: relation "no_such_table" does not exist;/,
    ],
    [
      'commits its own transaction',
      CommitsItself1810000000005,
      /^DRIFT UNKNOWN: trying the pending migrations \(rolled back\) failed: CommitsItself1810000000005 failed: a migration tried to commit the transaction the check rolls back;/,
    ],
  ])('a pending migration that %s: drift unknown, naming it; nothing committed', async (_label, migration, line) => {
    const before = await snapshot(db.url);
    const ds = await open([DriftItemWithColor], [CreateDriftItems1810000000001, migration]);
    const { exitCode, lines } = await checkMigrations(ds);
    expect(exitCode).toBe(C.pending);
    expect(lines).toContainEqual(expect.stringMatching(line));
    expect(await snapshot(db.url)).toEqual(before);
  });

  it('holds the migration lock while it tries: a run in progress is waited for, none interleaves', async () => {
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock($1::bigint)`, [String(migrationLockKey('migrations'))]);
      const ds = await open([DriftItemWithColor], [CreateDriftItems1810000000001, AddDriftItemsNote1810000000002], 300);
      const error = await checkMigrations(ds).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationGuardError);
      expect(error).toMatchObject({ reason: 'lock-timeout' });
    } finally {
      await holder.end();
    }
  });
});
