import { Client } from 'pg';
import { DatabaseService } from '../src/database';
import { DatabaseProbe } from '../src/database/health/database.probe';
import { getHealth, pollUntil } from './support/health-client';
import { APP_MIGRATION_NAMES } from './support/app-migrations';
import { createTestApp, StartedTestApp } from './support/test-app';
import { createTestDatabase, TestDatabase, withAdminClient } from './support/test-database';

const HEALTH_APP = 'nest-pg-database:health';

describe('GET /health (real app over HTTP)', () => {
  describe('a healthy application', () => {
    let t: StartedTestApp;
    beforeAll(async () => {
      t = await createTestApp().withDatabase().start();
    });
    afterAll(() => t?.close());

    it('answers 200 in Terminus format with every detail present and plausible', async () => {
      const { status, body } = await getHealth(t.baseUrl);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', error: {} });
      const { database, migrations } = body.info;
      const [server] = await t.dataSource.query(`SELECT current_setting('server_version') AS version`);
      const [applied] = await t.dataSource.query('SELECT count(*)::int AS n FROM migrations');
      expect(database).toEqual({
        status: 'up',
        responseTimeMs: expect.any(Number),
        serverVersion: server.version,
        readOnly: false,
        pool: { total: expect.any(Number), idle: expect.any(Number), waiting: 0, max: 10, saturated: false },
        pendingMigrations: 0,
        statements: {
          total: expect.any(Number),
          failed: 0,
          successRate: 1,
          avgMs: expect.any(Number),
          p99Ms: expect.any(Number),
          slow: 0,
        },
        connectionErrors: 0,
      });
      expect(database.responseTimeMs).toBeGreaterThanOrEqual(0);
      expect(database.pool.idle).toBeLessThanOrEqual(database.pool.total);
      expect(migrations).toEqual({
        status: 'up',
        applied: applied.n,
        pending: 0,
        pendingNames: [],
        failOnPending: false,
      });
      expect(body.details).toEqual(body.info);
    });

    it('pings on a connection of its own, named after the application', async () => {
      await getHealth(t.baseUrl);
      const rows = await t.dataSource.query(
        // pg_stat_activity spans the cluster: other test files' apps run health sessions of the same name.
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
        [HEALTH_APP],
      );
      expect(rows[0].n).toBe(1);
    });

    it('serves liveness without touching the database', async () => {
      const probe = jest.spyOn(t.app.get(DatabaseProbe), 'check');
      const pool = jest.spyOn(t.app.get(DatabaseService), 'getStats');
      try {
        const { status, body } = await getHealth(t.baseUrl, '/health/live');
        expect(status).toBe(200);
        expect(body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
        expect(probe).not.toHaveBeenCalled();
        expect(pool).not.toHaveBeenCalled();
      } finally {
        probe.mockRestore();
        pool.mockRestore();
      }
    });

    // The health sessions still running a statement.
    const stillRunning = (client: Client) =>
      client
        .query(
          `SELECT pid FROM pg_stat_activity
            WHERE application_name = $1 AND state = 'active' AND datname = current_database()`,
          [HEALTH_APP],
        )
        .then((r) => r.rows);

    it('a locked migrations table: the check answers up with migrations unknown, and leaves nothing waiting', async () => {
      const slow = await createTestApp().withDatabase(t.db).withEnv({ HEALTH_PING_TIMEOUT_MS: '300' }).start();
      const locker = new Client({ connectionString: t.db.url });
      await locker.connect();
      try {
        await getHealth(slow.baseUrl); // connect first, so the lock is what stalls the check
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE migrations IN ACCESS EXCLUSIVE MODE');
        const { status, body } = await getHealth(slow.baseUrl);
        expect(status).toBe(200); // the server answered the read: its lock_timeout (half the bound) ended the wait
        expect(body.status).toBe('degraded');
        expect(body.info.database.status).toBe('up');
        expect(body.info.migrations).toMatchObject({
          status: 'degraded',
          message: 'unknown: a table the check reads is locked by another session',
        });
        await pollUntil(
          () => stillRunning(locker),
          (rows) => rows.length === 0,
        );
        await locker.query('ROLLBACK');
        const after = await getHealth(slow.baseUrl);
        expect(after.status).toBe(200);
        expect(after.body.status).toBe('ok');
      } finally {
        await locker.end();
        await slow.app.close();
      }
    });

    it('cancels a timed-out check on the server instead of abandoning it', async () => {
      const slow = await createTestApp().withDatabase(t.db).withEnv({ HEALTH_PING_TIMEOUT_MS: '300' }).start();
      const admin = new Client({ connectionString: t.db.url });
      await admin.connect();
      try {
        await getHealth(slow.baseUrl); // the migrations table is known: its read is the whole check
        // The read now takes seconds without waiting on any lock: only the bound can end it.
        await admin.query('ALTER TABLE migrations RENAME TO migrations_held');
        await admin.query('CREATE VIEW migrations AS SELECT m.* FROM migrations_held m, pg_sleep(30)');
        const { status, body } = await getHealth(slow.baseUrl);
        expect(status).toBe(503);
        // The probe's own timer and the server's statement_timeout are both 300 ms: which one ends
        // the read first depends on the machine, and either is a timeout.
        expect(body.error.database).toMatchObject({
          status: 'down',
          message: expect.stringMatching(
            /^timeout after 300 ms \((the server did not answer|cancelled by the server)\)$/,
          ),
        });
        // No health statement is left sleeping on the server.
        await pollUntil(
          () => stillRunning(admin),
          (rows) => rows.length === 0,
        );
      } finally {
        await admin.query('DROP VIEW IF EXISTS migrations');
        await admin.query('ALTER TABLE IF EXISTS migrations_held RENAME TO migrations');
        await admin.end();
      }
      try {
        const after = await getHealth(slow.baseUrl);
        expect(after.status).toBe(200);
        expect(after.body.status).toBe('ok');
      } finally {
        await slow.app.close();
      }
    });
  });

  describe('a pool saturated by long queries', () => {
    let t: StartedTestApp;
    beforeAll(async () => {
      t = await createTestApp().withDatabase().withEnv({ DB_POOL_MAX: '2', DB_CONNECT_TIMEOUT_MS: '30000' }).start();
    });
    afterAll(() => t?.close());

    it('answers while every pool connection is held, on its own connection, ready, and says the pool is saturated', async () => {
      const db = t.app.get(DatabaseService);
      // The pool's statements wait on a lock the test holds until the health answer is in: a ping
      // queued behind them could not answer at all, however fast or slow the machine.
      const LOCK_KEY = 20_018;
      const holder = new Client({ connectionString: t.db.url });
      await holder.connect();
      await holder.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
      const held = [1, 2, 3].map(() => db.query('SELECT pg_advisory_xact_lock_shared($1)', [LOCK_KEY]));
      try {
        await pollUntil(
          async () => db.getStats().pool,
          (pool) => pool.saturated && pool.waiting >= 1,
          { intervalMs: 10 },
        );
        const blocked = () =>
          holder
            .query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%pg_advisory_xact_lock_shared%'`,
            )
            .then((r) => r.rows.map((row) => row.pid));
        const poolPids = await pollUntil(blocked, (pids) => pids.length === 2);

        const { status, body } = await getHealth(t.baseUrl);
        expect(status).toBe(200);
        expect(body.status).toBe('degraded');
        expect(body.info.database).toMatchObject({
          status: 'degraded',
          pool: { total: 2, idle: 0, max: 2, saturated: true },
          message: expect.stringContaining('pool saturated: all 2 connections busy'),
        });
        expect(body.info.database.pool.waiting).toBeGreaterThanOrEqual(1);
        // The ping ran on the health connection, not on one of the two the pool's statements hold.
        const { rows: health } = await holder.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
          [HEALTH_APP],
        );
        expect(health).toHaveLength(1);
        expect(poolPids).not.toContain(health[0].pid);
        expect(await blocked()).toEqual(expect.arrayContaining(poolPids)); // still held when the answer came
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).finally(() => holder.end());
        await Promise.all(held);
      }
      expect((await getHealth(t.baseUrl)).body.info.database.pool.saturated).toBe(false);
    });
  });

  describe('pending migrations', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase({ migrated: false });
    });
    afterAll(() => db?.drop());

    it('are reported and keep readiness up by default', async () => {
      const t = await createTestApp().withDatabase(db).start();
      try {
        const { status, body } = await getHealth(t.baseUrl);
        expect(status).toBe(200);
        expect(body.info.database.pendingMigrations).toBe(APP_MIGRATION_NAMES.length);
        expect(body.info.migrations).toEqual({
          status: 'up',
          applied: 0,
          pending: APP_MIGRATION_NAMES.length,
          pendingNames: APP_MIGRATION_NAMES,
          failOnPending: false,
        });
      } finally {
        await t.close();
      }
    });

    it('fail readiness with HEALTH_FAIL_ON_PENDING_MIGRATIONS=true', async () => {
      const t = await createTestApp().withDatabase(db).withEnv({ HEALTH_FAIL_ON_PENDING_MIGRATIONS: 'true' }).start();
      try {
        const { status, body } = await getHealth(t.baseUrl);
        expect(status).toBe(503);
        expect(body.status).toBe('error');
        expect(body.info.database.status).toBe('up');
        expect(body.error.migrations).toMatchObject({
          status: 'down',
          pending: APP_MIGRATION_NAMES.length,
          message: `${APP_MIGRATION_NAMES.length} migration(s) pending and HEALTH_FAIL_ON_PENDING_MIGRATIONS=true`,
        });
      } finally {
        await t.close();
      }
    });
  });

  describe('shutdown', () => {
    it('turns readiness 503 before the pool closes, and keeps liveness 200', async () => {
      const t = await createTestApp().withDatabase().withEnv({ HEALTH_SHUTDOWN_DELAY_MS: '5000' }).start();
      expect((await getHealth(t.baseUrl)).status).toBe(200);
      const closing = t.close();
      try {
        const draining = await pollUntil(
          () => getHealth(t.baseUrl),
          (a) => a.status === 503,
          { intervalMs: 20 },
        );
        expect(draining.body.error.database).toEqual({ status: 'down', message: 'shutting down' });
        expect(t.dataSource.isInitialized).toBe(true);
        expect(await withAdminClient(t.db.url, (c) => c.query('SELECT 1'))).toBeDefined();
        expect(t.app.get(DatabaseService).getStats().pool.max).toBe(10);
        expect((await getHealth(t.baseUrl, '/health/live')).status).toBe(200);
      } finally {
        await closing;
      }
      expect(t.dataSource.isInitialized).toBe(false);
    });
  });
});
