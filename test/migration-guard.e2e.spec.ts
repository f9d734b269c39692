import { Client } from 'pg';
import { appDataSourceOptions } from '../src/app.data-source';
import { GuardedDataSource, MigrationGuardError, MigrationGuardOptions } from '../src/database';
import { migrationChecksum } from '../src/database/migrations/migration-checksums';
import { migrationLockKey } from '../src/database/migrations/migration-lock';
import { APP_MIGRATION_NAMES, APP_MIGRATIONS, IN_ORDER } from './support/app-migrations';
import {
  AlterAlpha1800000000005,
  CreateAlpha1800000000001,
  CreateBeta1800000000002,
  CreateGamma1800000000003,
  EditedAlpha,
  IndexAlphaConcurrently1800000000004,
  SlowStatement1800000000006,
} from './fixtures/guard-migrations';
import { pollUntil } from './support/health-client';
import { appliedCounts, queryDb, tableExists } from './support/migration-process';
import { createTestDatabase, TestDatabase } from './support/test-database';

const ALPHA = 'CreateAlpha1800000000001';
const BETA = 'CreateBeta1800000000002';
const GAMMA = 'CreateGamma1800000000003';

describe('the migration guard, called from code (GuardedDataSource)', () => {
  let db: TestDatabase;
  let lines: string[];
  const opened: GuardedDataSource[] = [];
  const logger = {
    log: (m: unknown) => void lines.push(String(m)),
    warn: (m: unknown) => void lines.push(`WARN ${m}`),
    error: (m: unknown) => void lines.push(`ERROR ${m}`),
  };

  async function open(migrations: Function[], guard: MigrationGuardOptions = {}): Promise<GuardedDataSource> {
    const ds = new GuardedDataSource({
      ...appDataSourceOptions(db.env),
      entities: [],
      migrations,
      migrationGuard: { ...guard, logger },
    });
    opened.push(ds);
    return ds.initialize();
  }

  async function refusal(promise: Promise<unknown>): Promise<MigrationGuardError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationGuardError);
    return error as MigrationGuardError;
  }

  beforeEach(async () => {
    lines = [];
    db = await createTestDatabase({ migrated: false });
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
    await db.drop();
  });

  it('applies pending migrations, records their checksums, and reports each with its duration', async () => {
    const ds = await open([CreateAlpha1800000000001, CreateBeta1800000000002]);
    expect((await ds.runMigrations()).map((m) => m.name)).toEqual([ALPHA, BETA]);
    const rows = await ds.query(`SELECT name, checksum, execution_ms FROM migrations_checksums ORDER BY name`);
    expect(rows).toEqual([
      { name: ALPHA, checksum: migrationChecksum(new CreateAlpha1800000000001()), execution_ms: expect.any(Number) },
      { name: BETA, checksum: migrationChecksum(new CreateBeta1800000000002()), execution_ms: expect.any(Number) },
    ]);
    expect(lines).toEqual([
      `applying ${ALPHA} [1/2]`,
      expect.stringMatching(new RegExp(`^applied ${ALPHA} in \\d+ ms$`)),
      `applying ${BETA} [2/2]`,
      expect.stringMatching(new RegExp(`^applied ${BETA} in \\d+ ms$`)),
      expect.stringMatching(
        new RegExp(`^applied 2 migration\\(s\\) in \\d+ ms \\(${ALPHA}, ${BETA}\\); 2 applied, none pending$`),
      ),
    ]);
    expect(await ds.runMigrations()).toEqual([]);
    expect(lines.at(-1)).toBe('nothing to apply: 2 migration(s) applied, none pending');
  });

  it('runs started together apply each migration exactly once; the others find nothing to do', async () => {
    const sources = await Promise.all(
      [1, 2, 3, 4, 5].map(() => open([CreateAlpha1800000000001, CreateBeta1800000000002])),
    );
    // Every run provably overlaps: all five queue on the lock a test session holds, then it lets go.
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    let runs: Promise<unknown[][]>;
    try {
      await holder.query(`SELECT pg_advisory_lock($1::bigint)`, [String(migrationLockKey('migrations'))]);
      runs = Promise.all(sources.map((ds) => ds.runMigrations()));
      runs.catch(() => undefined); // awaited below; a failure must not go unhandled while we poll
      // Each run polls the lock with pg_try_advisory_lock and says once that it waits, naming the holder.
      const waiting = () => lines.filter((line) => line.startsWith('WARN waiting up to')).length;
      await pollUntil(
        async () => waiting(),
        (n) => n === 5,
        { timeoutMs: 30_000 },
      );
    } finally {
      await holder.end(); // the session ends, and the lock with it
    }
    const results = await runs;
    expect(results.map((r) => r.length).sort()).toEqual([0, 0, 0, 0, 2]);
    expect(await appliedCounts(db.url)).toEqual({ [ALPHA]: 1, [BETA]: 1 });
    expect(await queryDb(db.url, `SELECT count(*)::int AS n FROM migrations_checksums`)).toEqual([{ n: 2 }]);
  });

  it('a waiting run says who holds the lock, and gives up after lockTimeoutMs with nothing applied', async () => {
    const holder = new Client({ connectionString: db.url, application_name: 'lock-holder-test' });
    await holder.connect();
    try {
      const [{ pid }] = (await holder.query(`SELECT pg_backend_pid() AS pid`)).rows;
      await holder.query(`SELECT pg_advisory_lock($1::bigint)`, [String(migrationLockKey('migrations'))]);
      const ds = await open([CreateAlpha1800000000001], { lockTimeoutMs: 1_000 });
      const error = await refusal(ds.runMigrations());
      expect(error.reason).toBe('lock-timeout');
      expect(error.message).toMatch(
        new RegExp(
          `gave up waiting for the migration lock after \\d+ ms: held by pid ${pid} \\(application "lock-holder-test", .*connected since \\d{4}-`,
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^WARN waiting up to 1000 ms for the migration lock \\(key -?\\d+\\), held by pid ${pid}`),
        ),
      );
      expect(await tableExists(db.url, 'alpha')).toBe(false);
    } finally {
      await holder.end(); // the session ends, and the lock with it
    }
    const ds = await open([CreateAlpha1800000000001]);
    expect(await ds.runMigrations()).toHaveLength(1);
  });

  it('refuses to run or revert before any DDL when an applied migration was edited, naming it; repair accepts it', async () => {
    await (await open([CreateAlpha1800000000001])).runMigrations();
    const ds = await open([EditedAlpha, CreateBeta1800000000002]);
    const error = await refusal(ds.runMigrations());
    expect(error.reason).toBe('edited');
    expect(error.migrations).toEqual([ALPHA]);
    expect(error.message).toMatch(new RegExp(`applied migration\\(s\\) ${ALPHA} changed since they ran`));
    expect(await tableExists(db.url, 'beta')).toBe(false);
    expect((await refusal(ds.undoLastMigration())).reason).toBe('edited');
    expect(await tableExists(db.url, 'alpha')).toBe(true);

    lines = [];
    expect(await ds.showMigrations()).toBe(true);
    expect(lines).toEqual([`[X] 1 ${ALPHA} EDITED since it ran`, `[ ] ${BETA}`]);

    expect(await ds.migrationGuard.repair([ALPHA])).toEqual([ALPHA]);
    expect((await ds.runMigrations()).map((m) => m.name)).toEqual([BETA]);
    expect((await refusal(ds.migrationGuard.repair(['NoSuchMigration1800000000009']))).reason).toBe('not-applied');
  });

  it('refuses pending migrations when the database has migrations the code lacks, or older ones out of order', async () => {
    await (await open([CreateAlpha1800000000001, CreateGamma1800000000003])).runMigrations();

    const behind = await open([CreateAlpha1800000000001, CreateBeta1800000000002]);
    const missing = await refusal(behind.runMigrations());
    expect([missing.reason, missing.migrations]).toEqual(['missing', [GAMMA]]);

    const all = [CreateAlpha1800000000001, CreateBeta1800000000002, CreateGamma1800000000003];
    const outOfOrder = await refusal((await open(all)).runMigrations());
    expect([outOfOrder.reason, outOfOrder.migrations]).toEqual(['out-of-order', [BETA]]);
    expect(outOfOrder.message).toMatch(
      new RegExp(`older than the newest applied one \\(${GAMMA}\\).*DB_MIGRATIONS_ALLOW_OUT_OF_ORDER`),
    );
    expect(await tableExists(db.url, 'beta')).toBe(false);

    expect((await (await open(all, { allowOutOfOrder: true })).runMigrations()).map((m) => m.name)).toEqual([BETA]);

    lines = [];
    expect(await (await open([CreateAlpha1800000000001])).runMigrations()).toEqual([]);
    expect(lines[0]).toMatch(new RegExp(`^WARN the database is ahead of this code: .*${GAMMA}, ${BETA}`));
  });

  it('runs a migration that opts out of a transaction outside one, with the lock still held, both ways', async () => {
    const ds = await open([CreateAlpha1800000000001, IndexAlphaConcurrently1800000000004]);
    await ds.runMigrations();
    expect(lines).toContain('applying IndexAlphaConcurrently1800000000004 without a transaction [2/2]');
    const index = `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'ix_alpha_id'`;
    expect(await ds.query(index)).toEqual([{ n: 1 }]);
    await ds.undoLastMigration();
    expect(await ds.query(index)).toEqual([{ n: 0 }]);
    expect(lines).toContain('reverting IndexAlphaConcurrently1800000000004 without a transaction');
    expect(await ds.query(`SELECT name FROM migrations_checksums`)).toEqual([{ name: ALPHA }]);
  });

  it('sets lock_timeout: a migration queued behind a long transaction fails fast instead of blocking traffic', async () => {
    await (await open([CreateAlpha1800000000001])).runMigrations();
    const reader = new Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query(`BEGIN`);
      await reader.query(`SELECT * FROM alpha`); // holds a lock ALTER TABLE must wait for
      const ds = await open([CreateAlpha1800000000001, AlterAlpha1800000000005], { tableLockTimeoutMs: 300 });
      // Without lock_timeout the ALTER would wait for as long as the reader's transaction lasts, and
      // that lasts until the finally below: the refusal coming at all, with SQLSTATE 55P03, is the proof.
      const error = await refusal(ds.runMigrations());
      expect([error.reason, error.migrations]).toEqual(['failed', ['AlterAlpha1800000000005']]);
      expect(error.message).toMatch(
        /^migration AlterAlpha1800000000005 failed \(up\) after \d+ ms: .*\(SQLSTATE 55P03\); it was rolled back\./,
      );
      expect(error.message).toMatch(/lock_timeout \(DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS=300 ms\)/);
      // The traffic it would have stalled was left alone: the reader's transaction still holds its
      // lock and reads, and no statement is left queued for the table.
      expect((await reader.query(`SELECT count(*)::int AS n FROM alpha`)).rows).toEqual([{ n: 0 }]);
      const { rows: locks } = await reader.query(
        `SELECT pid = pg_backend_pid() AS reader, granted FROM pg_locks WHERE relation = 'alpha'::regclass`,
      );
      expect(locks).toEqual([{ reader: true, granted: true }]);
    } finally {
      await reader.end();
    }
    expect(await appliedCounts(db.url)).toEqual({ [ALPHA]: 1 });
  });

  it('sets statement_timeout, and says when a failed migration without a transaction left statements applied', async () => {
    const ds = await open([SlowStatement1800000000006], { statementTimeoutMs: 200 });
    const error = await refusal(ds.runMigrations());
    expect(error.message).toMatch(
      /\(SQLSTATE 57014\); it ran without a transaction, so statements before the failure stay applied/,
    );
    expect(error.message).toMatch(/statement_timeout \(DB_MIGRATIONS_STATEMENT_TIMEOUT_MS=200 ms\)/);
    expect(await tableExists(db.url, 'delta')).toBe(true);
    expect(await appliedCounts(db.url)).toEqual({});
  });

  it('records the checksums of migrations applied before checksums were kept, then guards them', async () => {
    const migrated = await createTestDatabase(); // the run's template, migrated without the guard
    try {
      const ds = new GuardedDataSource({ ...appDataSourceOptions(migrated.env), migrationGuard: { logger } });
      opened.push(await ds.initialize());
      expect(await ds.runMigrations()).toEqual([]);
      expect(lines[0]).toBe(
        `WARN recorded the checksum of ${APP_MIGRATIONS.length} migration(s) applied before checksums were kept ` +
          `(${APP_MIGRATION_NAMES.join(', ')}); from now on, editing them is refused`,
      );
      expect(await ds.query(`SELECT name, checksum, execution_ms FROM migrations_checksums ${IN_ORDER}`)).toEqual(
        APP_MIGRATIONS.map((m) => ({ name: m.name, checksum: migrationChecksum(m), execution_ms: null })),
      );
    } finally {
      await Promise.all(opened.splice(0).map((ds) => ds.destroy()));
      await migrated.drop();
    }
  });

  it("the app's migrations up, down and up again through the guard leave the same schema", async () => {
    const ds = new GuardedDataSource({ ...appDataSourceOptions(db.env), migrationGuard: { logger } });
    opened.push(await ds.initialize());
    const schema = () =>
      ds.query(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name NOT LIKE 'migrations%' ORDER BY 1, 2`);
    await ds.runMigrations();
    const first = await schema();
    expect(first.length).toBeGreaterThan(0);
    for (const _ of APP_MIGRATIONS) await ds.undoLastMigration();
    expect(await schema()).toEqual([]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM migrations_checksums`)).toEqual([{ n: 0 }]);
    await ds.runMigrations();
    expect(await schema()).toEqual(first);
    expect(await ds.driver.createSchemaBuilder().log()).toMatchObject({ upQueries: [] });
  });
});
