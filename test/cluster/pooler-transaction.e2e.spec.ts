import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import request from 'supertest';
import {
  DatabaseService,
  getRepositoryServiceToken,
  Propagation,
  QueryTimeoutError,
  RepositoryService,
  TransactionManager,
} from '../../src/database';
import { AuditLog } from '../../src/entities/audit-log.entity';
import { User } from '../../src/entities/user.entity';
import { startPgBouncer, PgBouncer } from '../support/cluster/pgbouncer';
import { PgNode, startPrimary } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';
import { queryDb } from '../support/migration-process';
import { createTestApp, StartedTestApp } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

/** Server connections PgBouncer keeps per (database, user): fewer than the app's pool, so they are shared. */
const SERVER_CONNECTIONS = 4;
const STATEMENT_TIMEOUT_MS = 1000;
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/** The app's database behind PgBouncer: migrated by the app at start, through the direct URL. */
function pooledDatabase(bouncer: PgBouncer): TestDatabase {
  return {
    name: 'app',
    url: bouncer.url(),
    env: { DATABASE_URL: bouncer.url(), NODE_ENV: 'test' },
    drop: async () => {},
  };
}

describeWithSystem(['postgres-cluster', 'pgbouncer'], 'behind PgBouncer in transaction mode (PG 15)', () => {
  let primary: PgNode;
  let bouncer: PgBouncer;
  let t: StartedTestApp;
  /** The app's database on the server itself, as superuser: what is really there. */
  let direct: (sql: string, params?: unknown[]) => Promise<any[]>;

  beforeAll(async () => {
    primary = await startPrimary();
    // What the startup check asks for: the role carries the session timeouts the app is configured with.
    await primary.query(`ALTER ROLE app SET statement_timeout = '${STATEMENT_TIMEOUT_MS}ms'`);
    await primary.query(
      `ALTER ROLE app SET idle_in_transaction_session_timeout = '${IDLE_IN_TRANSACTION_TIMEOUT_MS}ms'`,
    );
    bouncer = await startPgBouncer({ backend: primary, poolMode: 'transaction', defaultPoolSize: SERVER_CONNECTIONS });
    direct = (sql, params) => queryDb(primary.url('postgres', 'app'), sql, params);
    t = await createTestApp()
      .withDatabase(pooledDatabase(bouncer))
      .withEnv({
        DB_POOLER: 'transaction',
        DB_MIGRATIONS_URL: primary.url(),
        DB_MIGRATIONS_RUN: 'true',
        DB_REQUIRE_AT_STARTUP: 'true',
        DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: String(IDLE_IN_TRANSACTION_TIMEOUT_MS),
        DB_POOL_MAX: '20',
        HEALTH_PING_TIMEOUT_MS: '2500',
      })
      .start();
    if (!process.env.TEST_LOG) Logger.overrideLogger(false);
  });

  afterAll(async () => {
    await t?.close();
    await bouncer?.stop();
    await primary?.destroy();
  });

  const http = () => request(t.baseUrl);
  const users = () => t.app.get<RepositoryService<User>>(getRepositoryServiceToken(User), { strict: false });

  it('migrated at start through DB_MIGRATIONS_URL, and connects through PgBouncer with no timeout startup parameter', async () => {
    const applied = await direct(`SELECT name FROM migrations ORDER BY id`);
    expect(applied.length).toBeGreaterThan(0);
    const [session] = await t.dataSource.query(
      `SELECT current_setting('statement_timeout') AS st, inet_server_port() AS port, current_setting('application_name') AS app`,
    );
    // PgBouncer's server connection, with the role's timeout: the app never sent it.
    expect(t.dataSource.options).toMatchObject({ port: bouncer.port });
    expect(session).toMatchObject({ st: '1s', port: primary.port });
    const pool = (t.dataSource.driver as unknown as { master: Pool }).master;
    expect((pool as unknown as { options: Record<string, unknown> }).options).not.toHaveProperty('statement_timeout');
  });

  it('the HTTP API and the audit trail: create, read, update, list, delete, history', async () => {
    const email = `pooled-${Date.now()}@example.com`;
    const made = await http().post('/users').set('X-Actor', 'pooler-test').send({ email, displayName: 'Pooled' });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    expect((await http().get(`/users/${id}`)).body).toMatchObject({ email, displayName: 'Pooled' });
    const patched = await http().patch(`/users/${id}`).send({ displayName: 'Renamed', version: made.body.version });
    expect(patched.status).toBe(200);
    const task = await http().post('/tasks').send({ title: 'through the pooler', assigneeId: id });
    expect(task.status).toBe(201);
    expect((await http().get(`/tasks?filter.assigneeId=${id}`)).body.data).toHaveLength(1);
    expect((await http().delete(`/tasks/${task.body.id}`)).status).toBe(204);
    const history = await http().get(`/users/${id}/history`);
    expect(history.status).toBe(200);
    expect(history.body.data.map((e: { action: string }) => e.action)).toEqual(['create', 'update']);

    const [row] = await direct(`SELECT display_name, version FROM users WHERE id = $1`, [id]);
    expect(row).toEqual({ display_name: 'Renamed', version: 2 });
    const audit = await direct(`SELECT action, actor FROM audit_logs WHERE entity_id = $1 ORDER BY id`, [id]);
    expect(audit).toEqual([
      { action: 'create', actor: 'pooler-test' },
      { action: 'update', actor: 'anonymous' },
    ]);
    const [deleted] = await direct(`SELECT deleted_at IS NOT NULL AS gone FROM tasks WHERE id = $1`, [task.body.id]);
    expect(deleted.gone).toBe(true);
  });

  it('a transaction with a savepoint: the inner failure rolls back to it, the rest commits', async () => {
    const tx = t.app.get(TransactionManager, { strict: false });
    const tag = `sp-${Date.now()}`;
    await tx.run(async () => {
      await users().create({ email: `${tag}-a@example.com`, displayName: 'a' });
      await tx
        .run(
          async () => {
            await users().create({ email: `${tag}-b@example.com`, displayName: 'b' });
            throw new Error('inner fails');
          },
          { propagation: Propagation.Nested },
        )
        .catch(() => undefined);
      await users().create({ email: `${tag}-c@example.com`, displayName: 'c' });
    });
    const rows = await direct(`SELECT display_name FROM users WHERE email LIKE $1 ORDER BY display_name`, [`${tag}-%`]);
    expect(rows).toEqual([{ display_name: 'a' }, { display_name: 'c' }]);
  });

  it('bulk COPY and streaming through a cursor', async () => {
    const audit = t.app.get<RepositoryService<AuditLog>>(getRepositoryServiceToken(AuditLog), { strict: false });
    const entityType = `Bulk${Date.now()}`;
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      entityType,
      entityId: `e${i}`,
      action: 'create',
      actor: 'bulk',
    }));
    await expect(audit.createMany(rows, { returning: false })).resolves.toBe(rows.length);
    const [{ n }] = await direct(`SELECT count(*)::int AS n FROM audit_logs WHERE entity_type = $1`, [entityType]);
    expect(n).toBe(rows.length);

    const seen = new Set<string>();
    for await (const entry of audit.stream({ filter: { entityType } }, { batchSize: 300 })) seen.add(entry.entityId);
    expect(seen.size).toBe(rows.length);
  });

  it('GET /health is up, says it talks to a transaction pooler, and /metrics answers', async () => {
    const health = await http().get('/health');
    expect(health.status).toBe(200);
    expect(health.body.info.database).toMatchObject({ status: 'up', pooler: 'transaction' });
    expect(health.body.info.database.serverVersion).toMatch(/^15\./);
    const metrics = await http().get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^db_up 1$/m);
    // The probe's timeout (HEALTH_PING_TIMEOUT_MS, 2500) was SET LOCAL: no shared server connection kept it.
    const sessions = await Promise.all(
      Array.from({ length: SERVER_CONNECTIONS * 3 }, () =>
        t.dataSource.query(
          `SELECT current_setting('statement_timeout') AS st, pg_backend_pid() AS pid, pg_sleep(0.05)`,
        ),
      ),
    );
    expect(new Set(sessions.map(([s]) => s.pid)).size).toBeGreaterThan(1);
    expect(new Set(sessions.map(([s]) => s.st))).toEqual(new Set(['1s']));
  });

  it('a statement past DB_STATEMENT_TIMEOUT_MS is cancelled on the server', async () => {
    const db = t.app.get(DatabaseService, { strict: false });
    const marker = `pooler_timeout_${Date.now()}`;
    const running = () =>
      direct(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1`, [
        `%${marker} %`,
      ]);
    const slow = db.query(`SELECT pg_sleep(3) AS ${marker} `);
    slow.catch(() => undefined);
    // It reached the server and runs there...
    for (let n = 0; n === 0;) n = (await running())[0].n;
    // ...until the server cancels it (57014), well before pg_sleep(3) would end by itself.
    const error = await slow.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QueryTimeoutError);
    expect(await running()).toEqual([{ n: 0 }]);
  });

  it('400 concurrent operations on 20 app connections over 4 server connections: 0 errors', async () => {
    const repo = users();
    const tx = t.app.get(TransactionManager, { strict: false });
    const seed = await repo.create({ email: `seed-${Date.now()}@example.com`, displayName: 'seed' });
    const tag = `load-${Date.now()}`;
    const operations = Array.from({ length: 400 }, (_, i) => {
      switch (i % 4) {
        case 0:
          return repo.create({ email: `${tag}-${i}@example.com`, displayName: `n${i}` });
        case 1:
          return repo.findByIdOrFail(seed.id);
        case 2:
          return repo.paginate({ limit: 5, filter: { displayName: '$eq:seed' } });
        default:
          return tx.run(async () => {
            const made = await repo.create({ email: `${tag}-${i}@example.com`, displayName: `t${i}` });
            return repo.update(made.id, { displayName: `u${i}` }, { expectedVersion: made.version });
          });
      }
    });
    const results = await Promise.allSettled(operations);
    const failures = results
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const [{ n }] = await direct(`SELECT count(*)::int AS n FROM users WHERE email LIKE $1`, [`${tag}-%`]);
    expect(n).toBe(200);
    // PgBouncer held the server side to its pool size: the app's 20 connections shared 4 (+1 for the health probe's pool).
    const [{ backends }] = await direct(
      `SELECT count(*)::int AS backends FROM pg_stat_activity WHERE usename = 'app' AND backend_type = 'client backend'`,
    );
    expect(backends).toBeLessThanOrEqual(SERVER_CONNECTIONS);
  });

  it('named prepared statements, which the module never uses in this mode, fail through this pooler', async () => {
    const pool = new Pool({ connectionString: bouncer.url(), max: 20 });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 400 }, (_, i) =>
          pool.query({ name: 'same_name', text: 'SELECT $1::int AS n', values: [i] }),
        ),
      );
      const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(failed.length).toBeGreaterThan(0);
      expect(String(failed[0].reason)).toMatch(/prepared statement "same_name" (already exists|does not exist)/);
    } finally {
      await pool.end();
    }
  });
});
