import { Logger } from '@nestjs/common';
import request from 'supertest';
import { DatabaseConfigError, MigrationGuardError } from '../../src/database';
import { startPgBouncer, PgBouncer } from '../support/cluster/pgbouncer';
import { PgNode, startPrimary } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';
import { tableExists } from '../support/migration-process';
import { createTestApp } from '../support/test-app';
import type { TestDatabase } from '../support/test-database';

const through = (bouncer: PgBouncer): TestDatabase => ({
  name: 'app',
  url: bouncer.url(),
  env: { DATABASE_URL: bouncer.url(), NODE_ENV: 'test' },
  drop: async () => {},
});

/** The app's start through `bouncer` with `env`: the error it fails with, or undefined once it started (and closed). */
async function startError(bouncer: PgBouncer, env: NodeJS.ProcessEnv): Promise<unknown> {
  try {
    const t = await createTestApp()
      .withDatabase(through(bouncer))
      .withEnv({ DB_STATEMENT_TIMEOUT_MS: '1000', DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '60000', ...env })
      .start();
    await t.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

describeWithSystem(['postgres-cluster', 'pgbouncer'], 'starting behind PgBouncer: configuration errors (PG 15)', () => {
  let primary: PgNode;
  /** PgBouncer's defaults: it refuses startup parameters it does not know. */
  let strict: PgBouncer;
  /** Told to ignore the timeouts: it drops them silently. */
  let ignoring: PgBouncer;

  beforeAll(async () => {
    if (!process.env.TEST_LOG) Logger.overrideLogger(false);
    primary = await startPrimary();
    strict = await startPgBouncer({ backend: primary, poolMode: 'transaction' });
    ignoring = await startPgBouncer({
      backend: primary,
      poolMode: 'transaction',
      ignoreStartupParameters: ['statement_timeout', 'idle_in_transaction_session_timeout'],
    });
  });

  afterAll(async () => {
    await strict?.stop();
    await ignoring?.stop();
    await primary?.destroy();
  });

  it.each([
    [
      'required at startup, retrying every 10 minutes',
      { DB_REQUIRE_AT_STARTUP: 'true', DB_CONNECT_RETRY_DELAY_MS: '600000' },
    ],
    ['degraded start allowed', { DB_REQUIRE_AT_STARTUP: 'false' }],
  ])('08P01 unsupported startup parameter fails at once, naming DB_POOLER (%s)', async (_, env) => {
    // A retry would wait 10 minutes (or go on in the background): only failing at once ends within Jest's timeout.
    const error = await startError(strict, env);
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as DatabaseConfigError).problems.map((p) => p.variable)).toEqual(['DB_POOLER']);
    expect((error as Error).message).toMatch(
      /refused the startup parameter statement_timeout \(08P01 unsupported startup parameter\): .*set DB_POOLER=transaction/,
    );
  });

  it('a pooler that drops the timeouts is noticed without DB_POOLER: the session lacks them', async () => {
    const error = await startError(ignoring, { DB_REQUIRE_AT_STARTUP: 'true' });
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as DatabaseConfigError).problems.map((p) => p.variable)).toEqual([
      'DB_STATEMENT_TIMEOUT_MS',
      'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    ]);
    expect((error as Error).message).toMatch(/session has statement_timeout = 0 ms: .*Set DB_POOLER=transaction/);
  });

  it('DB_POOLER=transaction with the role lacking the timeouts: the ALTER ROLE it prints fixes it', async () => {
    const error = await startError(strict, { DB_POOLER: 'transaction' });
    expect(error).toBeInstanceOf(DatabaseConfigError);
    const message = (error as Error).message;
    const fixes = [...message.matchAll(/ALTER ROLE "app" SET [a-z_]+ = '\d+ms'/g)].map((m) => m[0]);
    expect(fixes).toEqual([
      `ALTER ROLE "app" SET statement_timeout = '1000ms'`,
      `ALTER ROLE "app" SET idle_in_transaction_session_timeout = '60000ms'`,
    ]);
    for (const fix of fixes) await primary.query(fix);
    await strict.admin('RECONNECT'); // new server connections pick the role's settings up
    await expect(startError(strict, { DB_POOLER: 'transaction' })).resolves.toBeUndefined();
  });

  it('refuses named prepared statements through a transaction pooler, naming both variables', async () => {
    const error = await startError(strict, { DB_POOLER: 'transaction', DB_PREPARED_STATEMENTS: 'true' });
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as Error).message).toMatch(/DB_PREPARED_STATEMENTS: must not be true with DB_POOLER=transaction/);
  });

  it('refuses startup migrations through a transaction pooler without DB_MIGRATIONS_URL, touching nothing', async () => {
    const error = await startError(strict, { DB_POOLER: 'transaction', DB_MIGRATIONS_RUN: 'true' });
    expect(error).toBeInstanceOf(MigrationGuardError);
    expect(error).toMatchObject({ reason: 'no-lock-through-pooler' });
    expect((error as Error).message).toMatch(/Set DB_MIGRATIONS_URL to a direct connection/);
    expect(await tableExists(primary.url(), 'migrations')).toBe(false);
  });

  it('DB_POOLER=session: startup migrations under the lock through the pooler, the API, and /health says so', async () => {
    const session = await startPgBouncer({ backend: primary, poolMode: 'session' });
    try {
      const t = await createTestApp()
        .withDatabase(through(session))
        .withEnv({
          DB_POOLER: 'session',
          DB_MIGRATIONS_RUN: 'true',
          DB_STATEMENT_TIMEOUT_MS: '1000',
          DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '60000',
        })
        .start();
      try {
        const made = await request(t.baseUrl).post('/users').send({ email: 'session@example.com', displayName: 'S' });
        expect(made.status).toBe(201);
        expect((await request(t.baseUrl).get(`/users/${made.body.id}`)).status).toBe(200);
        const health = await request(t.baseUrl).get('/health');
        expect(health.body.info.database).toMatchObject({ status: 'up', pooler: 'session' });
        expect(await tableExists(primary.url(), 'migrations')).toBe(true);
      } finally {
        await t.close();
      }
    } finally {
      await session.stop();
    }
  });
});
