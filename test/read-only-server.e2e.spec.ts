import { QueryFailedError } from 'typeorm';
import { Task } from '../src/entities';
import { expectError, http, sql, startApiApp } from './support/api';
import { getHealth, pollUntil } from './support/health-client';
import { StartedTestApp } from './support/test-app';
import { withAdminClient } from './support/test-database';
import { terminateBackends } from './support/write-load';

const APP = 'read-only-server-app';

/**
 * A failover's window without a cluster: the app's sessions land on a server that takes no writes,
 * as they do on a standby not yet promoted or a demoted primary. `default_transaction_read_only`
 * on the database makes every new session refuse writes with 25006, the SQLSTATE and message a hot
 * standby sends. The full failover (primary, synchronous standby, PgBouncer) is
 * `test/cluster/failover.e2e.spec.ts`.
 */
describe('a server that takes no writes (a standby, a demoted primary)', () => {
  let t: StartedTestApp;
  const readOnly = (on: boolean) =>
    withAdminClient(t.db.url, async (c) => {
      await c.query('SET default_transaction_read_only = off'); // this session writes either way
      const database = (await c.query<{ d: string }>('SELECT current_database() AS d')).rows[0].d;
      // An identifier from the server itself, quoted by the server.
      const quoted = (await c.query<{ q: string }>('SELECT quote_ident($1) AS q', [database])).rows[0].q;
      await c.query(
        on
          ? `ALTER DATABASE ${quoted} SET default_transaction_read_only = on`
          : `ALTER DATABASE ${quoted} RESET default_transaction_read_only`,
      );
    });
  const appSessions = () =>
    withAdminClient(t.db.url, async (c) => {
      const { rows } = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE starts_with(application_name, $1) AND datname = current_database()`,
        [APP],
      );
      return rows[0].n;
    });
  const post = (title: string) => http(t).post('/tasks').send({ title });
  const stored = async (titles: string[]) =>
    (await sql<{ n: number }>(t, 'SELECT count(*)::int AS n FROM tasks WHERE title = ANY($1)', [titles]))[0].n;

  beforeAll(async () => {
    t = await startApiApp({ DB_APPLICATION_NAME: APP, DB_POOL_MAX: '4' });
  });
  afterAll(async () => {
    if (t) await readOnly(false).catch(() => undefined);
    await t?.close();
  });

  it('writes answer 503 with Retry-After, reads still 200; once it takes writes again the same app serves them, each refused session dropped', async () => {
    expect((await post('ro-before')).status).toBe(201);
    await readOnly(true);
    // The pool's sessions began read-write; from here on new sessions start read-only, as on a standby.
    await terminateBackends(t.db.url, APP);
    const pool = (t.dataSource.driver as any).master;
    await pollUntil(
      async () => pool.totalCount,
      (n) => n === 0,
    ); // the pool saw its sessions end

    // TypeORM's own repository outside a transaction: the refusing session leaves the pool too.
    const typeorm = await t.dataSource
      .getRepository(Task)
      .insert({ title: 'ro-typeorm' })
      .catch((e) => e);
    expect(typeorm).toBeInstanceOf(QueryFailedError);
    expect(pool.totalCount).toBe(0);

    const refused = await post('ro-refused');
    expectError(refused, 503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.message).toBe(
      'the database is unavailable: the server takes no writes now (read-only, e.g. a standby)',
    );
    expect((await http(t).get('/tasks?count=false')).status).toBe(200);
    // Readiness stays 200, degraded, and says why: every replica sees the same server, and reads are served.
    const health = await getHealth(t.baseUrl);
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.info.database).toMatchObject({
      status: 'degraded',
      readOnly: true,
      message: expect.stringMatching(/^the server takes no writes \(in recovery/),
    });
    // Read-only sessions that served reads and refused no write yet wait in the pool.
    await Promise.all(Array.from({ length: 4 }, () => http(t).get('/tasks?count=false').expect(200)));
    const sessions = await appSessions();
    expect(sessions).toBeGreaterThanOrEqual(1);

    await readOnly(false);
    const answers: Array<{ title: string; status: number }> = [];
    for (let wave = 0; wave < 20; wave++) {
      const titles = Array.from({ length: 8 }, (_, i) => `ro-after-${wave}-${i}`);
      const statuses = await Promise.all(titles.map(async (title) => (await post(title)).status));
      titles.forEach((title, i) => answers.push({ title, status: statuses[i] }));
      if (statuses.every((s) => s === 201)) break;
    }
    const failed = answers.filter((a) => a.status !== 201);
    // Each read-only session refuses at most one write, then leaves the pool; only 503s in between.
    expect(failed.every((a) => a.status === 503)).toBe(true);
    expect(failed.length).toBeLessThanOrEqual(sessions);
    expect(answers.slice(-8).every((a) => a.status === 201)).toBe(true);
    await pollUntil(
      () => getHealth(t.baseUrl),
      (h) => h.status === 200 && h.body.info?.database?.status === 'up' && h.body.info.database.readOnly === false,
    );
    const acknowledged = answers.filter((a) => a.status === 201).map((a) => a.title);
    expect(await stored(acknowledged)).toBe(acknowledged.length);
    expect(await stored(['ro-refused', ...failed.map((a) => a.title)])).toBe(0);
  });
});
