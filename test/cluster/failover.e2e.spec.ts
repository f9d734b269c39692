import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgBouncer, startPgBouncer } from '../support/cluster/pgbouncer';
import { PgNode, startPrimary, startStandby } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';
import { getHealth, pollUntil } from '../support/health-client';
import { createTestApp, StartedTestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import { checkWrites, statusCounts, startWriteLoad, WriteOutcome } from '../support/write-load';

const PREFIX = `failover-${Date.now()}`;
const CLIENTS = 50;
/** The requirement: writes are served again this soon after the pooler's RELOAD. */
const SERVES_AFTER_RELOAD_MS = 5_000;

/** An existing database as the test app's target; nothing to drop. */
const targetOf = (url: string): TestDatabase => ({
  name: 'app',
  url,
  env: { DATABASE_URL: url, NODE_ENV: 'test' },
  drop: async () => undefined,
});

const ok = (o: WriteOutcome) => o.status >= 200 && o.status < 300;
const ms = (value: number) => Math.round(value);

/**
 * A primary failover under write load, end to end: PostgreSQL 15 primary with a synchronous
 * streaming standby, PgBouncer in transaction mode in front, the example app pointed at PgBouncer,
 * 50 clients writing `POST /tasks` with a client-generated title each. The primary is stopped
 * immediately (SIGQUIT), the standby promoted, PgBouncer re-pointed (`RELOAD`). The app is never
 * restarted.
 */
describeWithSystem(['pgbouncer', 'postgres-cluster'], 'failover: primary lost under load, standby promoted', () => {
  let primary: PgNode;
  let standby: PgNode;
  let bouncer: PgBouncer;
  let t: StartedTestApp;

  beforeAll(async () => {
    primary = await startPrimary();
    standby = await startStandby(primary, { name: 'failover_standby', synchronous: true });
    // The schema, through the migration guard, on the primary itself.
    const migrate = await createTestApp()
      .withDatabase(targetOf(primary.url()))
      .withEnv({ DB_MIGRATIONS_RUN: 'true' })
      .start();
    await migrate.close();
    bouncer = await startPgBouncer({
      backend: primary,
      poolMode: 'transaction',
      // Until pooler mode lands the app sends these as startup parameters; PgBouncer refuses them otherwise.
      ignoreStartupParameters: ['statement_timeout', 'idle_in_transaction_session_timeout', 'options'],
      // After a failed server login PgBouncer waits this long before the next (default 15 s), RELOAD or not.
      settings: { server_login_retry: '1' },
    });
    t = await createTestApp()
      .withDatabase(targetOf(bouncer.url()))
      .withEnv({
        DB_PREPARED_STATEMENTS: 'false',
        DB_APPLICATION_NAME: 'failover-app',
        DB_CONNECT_TIMEOUT_MS: '2000',
        DB_STATEMENT_TIMEOUT_MS: '5000',
      })
      .start();
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    await bouncer?.stop();
    await standby?.destroy();
    await primary?.destroy();
  });

  it('loses no acknowledged write, doubles none, answers 503 with Retry-After in the window, and serves again after the reload', async () => {
    expect((await getHealth(t.baseUrl)).status).toBe(200);
    const load = startWriteLoad(t.baseUrl, { prefix: PREFIX, clients: CLIENTS, requestTimeoutMs: 60_000 });
    try {
      await pollUntil(
        async () => load.outcomes.filter(ok).length,
        (n) => n >= 200,
        { timeoutMs: 60_000 },
      );
      const stoppedAt = performance.now();
      await primary.stop('immediate');
      const stoppedDoneAt = performance.now();
      const healthDuringOutage = await getHealth(t.baseUrl);
      await standby.promote();
      const promotedAt = performance.now();
      await bouncer.retarget(standby);
      const reloadedAt = performance.now();

      // A generous poll (every 50 ms) for a write sent after the RELOAD and acknowledged, bounded by the requirement.
      const firstServed = await pollUntil(
        async () => load.outcomes.find((o) => ok(o) && o.startedAt >= reloadedAt),
        (o) => o !== undefined,
        { timeoutMs: SERVES_AFTER_RELOAD_MS, intervalMs: 50 },
      ).catch(() => undefined);
      const ready = await pollUntil(
        () => getHealth(t.baseUrl),
        (h) => {
          if (process.env.FAILOVER_DEBUG)
            process.stdout.write(
              `health ${ms(performance.now() - reloadedAt)} ${h.status} ${JSON.stringify(h.body.info?.database ?? h.body.error?.database)}\n`,
            );
          // Ready: 200, `up`, or `degraded` while 50 writers saturate the pool (still ready, by design).
          return h.status === 200 && h.body.info?.database?.readOnly === false;
        },
        { timeoutMs: 30_000, intervalMs: 50 },
      ).catch(() => undefined);
      const readyAt = performance.now();
      await sleep(1_000); // more writes on the new primary
      const outcomes = await load.stop();

      const failed = outcomes.filter((o) => !ok(o));
      const unexpected = failed.filter((o) => o.status !== 503 || o.retryAfter !== '1');
      const check = await checkWrites(standby.url(), PREFIX, outcomes);
      const messages: Record<string, number> = {};
      for (const o of failed) {
        const message = String((o.body as { message?: unknown } | undefined)?.message ?? o.error);
        messages[message] = (messages[message] ?? 0) + 1;
      }
      const first = failed.length ? Math.min(...failed.map((o) => o.endedAt)) : undefined;
      const last = failed.length ? Math.max(...failed.map((o) => o.endedAt)) : undefined;
      const acknowledgedAt = outcomes
        .filter(ok)
        .map((o) => o.endedAt)
        .sort((x, y) => x - y);
      const longestWithoutAck = Math.max(...acknowledgedAt.slice(1).map((at, i) => at - acknowledgedAt[i]));
      const figures = {
        clients: CLIENTS,
        requests: outcomes.length,
        statuses: statusCounts(outcomes),
        failureMessages: messages,
        errorWindowMs: first !== undefined ? ms(last! - first) : 0,
        longestWithout2xxMs: ms(longestWithoutAck),
        firstFailureAfterStopMs: first !== undefined ? ms(first - stoppedAt) : null,
        lastFailureAfterReloadMs: last !== undefined ? ms(last - reloadedAt) : null,
        stopMs: ms(stoppedDoneAt - stoppedAt),
        promoteMs: ms(promotedAt - stoppedDoneAt),
        reloadMs: ms(reloadedAt - promotedAt),
        servesWritesAfterReloadMs: firstServed ? ms(firstServed.endedAt - reloadedAt) : null,
        readyAfterReloadMs: ms(readyAt - reloadedAt),
        healthDuringOutage: healthDuringOutage.status,
        acknowledged: check.acknowledged,
        lost: check.lost.length,
        duplicated: check.duplicated.length,
        storedWithout2xx: check.storedUnacknowledged,
      };
      process.stdout.write(`[failover] ${JSON.stringify(figures)}\n`);

      if (process.env.FAILOVER_DEBUG) {
        for (const o of outcomes.filter((o) => o.endedAt >= reloadedAt - 2000).slice(0, 200))
          process.stdout.write(
            `${ms(o.startedAt - reloadedAt)} ${ms(o.endedAt - reloadedAt)} ${o.status} ${JSON.stringify(o.body ?? o.error ?? '')}\n`,
          );
      }
      expect(firstServed).toBeDefined();
      expect(ready).toBeDefined();
      expect(check.lost).toEqual([]);
      expect(check.duplicated).toEqual([]);
      expect(unexpected).toEqual([]);
      expect(failed.length).toBeGreaterThan(0); // the window was really crossed
      expect(ready!.body.info.database.readOnly).toBe(false);
      // Writes after readiness returned are served.
      expect(outcomes.filter((o) => o.startedAt >= readyAt).every(ok)).toBe(true);
    } finally {
      await load.stop();
    }
  }, 180_000);
});
