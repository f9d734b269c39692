import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import {
  DEFAULT_EMBEDDED_DATABASE,
  EMBEDDED_CREDENTIALS,
} from '../../src/database/embedded/embedded-postgres.launcher';
import { findFreePort } from '../../src/database/embedded/free-port';
import { DEFAULT_TRANSACTION_RETRIES, RETRY_MAX_DELAY_MS } from '../../src/database/transactions/transaction.options';
import { AppProcess, startAppProcess } from './app-process';
import { EmbeddedServerProcess, startEmbeddedServerProcess, makeServerRoot } from './embedded-server-process';
import { getHealth, pollUntil } from './health-client';
import { createTestDatabase, TestDatabase } from './test-database';
import { checkWrites, loadFigures, startWriteLoad, terminateBackends, WriteOutcome } from './write-load';

/** How long and how hard the fault scenarios run: short in `npm test`, long in `npm run test:soak`. */
export interface FaultScale {
  name: string;
  /** Concurrent writers of the load. */
  clients: number;
  /** How long the connection storm lasts, and how often every backend is terminated. */
  stormMs: number;
  stormEveryMs: number;
  /** Concurrent requests against a pool of 5 (1,000: more at once overflows the HTTP server's accept backlog, not the pool). */
  exhaustionRequests: number;
  /** How many times in a row. */
  exhaustionWaves: number;
  /** Server restarts under load (each a 5 s outage). */
  restarts: number;
  /** Load before SIGTERM. */
  loadBeforeSigtermMs: number;
}

/** Bounds the app runs with in these scenarios. */
const CONNECT_TIMEOUT_MS = 2_000;
const STATEMENT_TIMEOUT_MS = 5_000;
/** Slack on top of the bounds for HTTP and scheduling on a loaded 2-core machine. */
const SLACK_MS = 10_000;
/**
 * The longest the module lets a request wait, from the configured bounds: every attempt of a
 * write transaction (the first and its retries) waits at most for a connection and a statement,
 * plus the backoff between attempts. It is the clients' own timeout: a request past it gets no
 * response (`TimeoutError`), which the status checks refuse. Observed figures are far below it;
 * they are reported (`TEST_REPORT=1`), not asserted, because they measure the machine.
 */
const REQUEST_BOUND_MS =
  (DEFAULT_TRANSACTION_RETRIES + 1) * (CONNECT_TIMEOUT_MS + STATEMENT_TIMEOUT_MS) +
  DEFAULT_TRANSACTION_RETRIES * RETRY_MAX_DELAY_MS +
  SLACK_MS;

const BOUNDS_ENV = {
  DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
  DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
};

/** Prints a scenario's figures when `TEST_REPORT=1` (docs/RELIABILITY.md quotes them). */
function report(scale: FaultScale, scenario: string, figures: Record<string, unknown>): void {
  if (process.env.TEST_REPORT === '1')
    process.stdout.write(`[faults:${scale.name}] ${scenario} ${JSON.stringify(figures)}\n`);
}

/**
 * Statuses other than 2xx and 503; where allowed, a connection the server closed or refused is not
 * one, but a request that outlived {@link REQUEST_BOUND_MS} (`TimeoutError`) always is.
 */
function unexpected(outcomes: WriteOutcome[], allowNoResponse = false): WriteOutcome[] {
  const gone = (o: WriteOutcome) => allowNoResponse && o.status === 0 && o.error !== 'TimeoutError';
  return outcomes.filter((o) => !((o.status >= 200 && o.status < 300) || o.status === 503 || gone(o)));
}

function expectHealthyProcess(app: AppProcess): void {
  expect(app.child.exitCode).toBeNull();
  expect(app.output()).not.toMatch(/unhandled|uncaught|FATAL ERROR/i);
}

/** The app as a process on a test database of the shared server; `name` is its application_name. */
async function appOnTestDatabase(db: TestDatabase, name: string, env: NodeJS.ProcessEnv, root: string) {
  const app = startAppProcess(root, { ...db.env, ...BOUNDS_ENV, DB_APPLICATION_NAME: name, ...env });
  const baseUrl = `http://127.0.0.1:${await app.listening()}`;
  return { app, baseUrl };
}

/** One request of a pool exhaustion wave. */
interface WaveOutcome {
  status: number;
  ms: number;
  /** The `message` of an error body. */
  message?: string;
  error?: string;
}

/**
 * `requests` concurrent `GET /tasks` while a transaction holds the table. Each runs one statement
 * (`count=false`: no count beside the page), so it holds at most one connection. The lock is released
 * only once every request but `poolMax` has answered: those `poolMax` hold the pool's connections,
 * waiting on the lock, so every other answer came while the pool was dry (no timing involved).
 */
async function exhaustionWave(databaseUrl: string, baseUrl: string, requests: number, poolMax: number) {
  const locker = new Client({ connectionString: databaseUrl });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
    let answered = 0;
    let release!: () => void;
    const othersAnswered = new Promise<void>((resolve) => (release = resolve));
    const unlocked = othersAnswered.then(() => locker.query('ROLLBACK'));
    const outcomes = await Promise.all(
      Array.from({ length: requests }, async (): Promise<WaveOutcome> => {
        const t0 = performance.now();
        try {
          const res = await fetch(`${baseUrl}/tasks?limit=1&count=false`, {
            signal: AbortSignal.timeout(REQUEST_BOUND_MS),
          });
          const body = (await res.json().catch(() => undefined)) as { message?: string } | undefined;
          return { status: res.status, ms: performance.now() - t0, message: body?.message };
        } catch (error) {
          return {
            status: 0,
            ms: performance.now() - t0,
            error: String((error as { cause?: unknown }).cause ?? error),
          };
        } finally {
          if (++answered === requests - poolMax) release();
        }
      }),
    );
    await unlocked;
    return outcomes;
  } finally {
    await locker.end();
  }
}

/** Faults against the shared test server: connection storm, pool exhaustion, SIGTERM under load. */
export function describeLoadFaults(scale: FaultScale): void {
  describe(`faults under load (${scale.name})`, () => {
    let db: TestDatabase;
    let root: string;
    let app: AppProcess | undefined;

    beforeAll(async () => {
      db = await createTestDatabase();
      root = await mkdtemp(join(tmpdir(), 'nest-pg-faults-'));
    });

    afterEach(async () => {
      await app?.stop();
      app = undefined;
    });

    afterAll(async () => {
      await db?.drop();
      await rm(root, { recursive: true, force: true });
    });

    it(`connection storm: ${scale.clients} writers while every backend is terminated every ${scale.stormEveryMs} ms`, async () => {
      const name = `storm-${randomBytes(3).toString('hex')}`;
      const started = await appOnTestDatabase(db, name, {}, root);
      app = started.app;
      const prefix = `storm-${randomBytes(4).toString('hex')}`;
      const load = startWriteLoad(started.baseUrl, {
        clients: scale.clients,
        prefix,
        requestTimeoutMs: REQUEST_BOUND_MS,
      });
      let terminated = 0;
      let rounds = 0;
      const until = performance.now() + scale.stormMs;
      while (performance.now() < until) {
        await sleep(scale.stormEveryMs);
        terminated += await terminateBackends(db.url, name);
        rounds++;
      }
      const outcomes = await load.stop();
      const check = await checkWrites(db.url, prefix, outcomes);
      report(scale, 'storm', { rounds, terminated, ...loadFigures(outcomes, check) });

      expect(terminated).toBeGreaterThan(0);
      expect(check.acknowledged).toBeGreaterThan(0);
      expect(check.lost).toEqual([]);
      expect(check.duplicated).toEqual([]);
      expect(unexpected(outcomes)).toEqual([]); // each answered within REQUEST_BOUND_MS (none timed out)
      const unavailable = outcomes.filter((o) => o.status === 503);
      for (const o of unavailable) expect(JSON.stringify(o.body)).not.toMatch(/INSERT|SELECT|tasks"|\$1/);
      expect((await getHealth(started.baseUrl)).status).toBe(200);
      expectHealthyProcess(app);
    });

    it(`pool exhaustion: ${scale.exhaustionWaves} × ${scale.exhaustionRequests} concurrent requests against a pool of 5: the pool wait is bounded, then the holders finish`, async () => {
      const POOL_MAX = 5;
      const started = await appOnTestDatabase(
        db,
        `exhaust-${randomBytes(3).toString('hex')}`,
        // The 5 holders wait on the lock until the test releases it: their statements must not
        // time out first, however long the other requests take to be answered on a busy machine.
        { DB_POOL_MAX: String(POOL_MAX), DB_STATEMENT_TIMEOUT_MS: String(REQUEST_BOUND_MS) },
        root,
      );
      app = started.app;
      const outcomes: WaveOutcome[] = [];
      for (let wave = 0; wave < scale.exhaustionWaves; wave++) {
        outcomes.push(...(await exhaustionWave(db.url, started.baseUrl, scale.exhaustionRequests, POOL_MAX)));
      }
      const counts: Record<number, number> = {};
      for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
      const figures = {
        waves: scale.exhaustionWaves,
        requests: outcomes.length,
        statuses: counts,
        slowestMs: Math.round(Math.max(...outcomes.map((o) => o.ms))),
      };
      report(scale, 'pool-exhaustion', figures);

      // Every request without a connection was answered while the lock was still held: its pool
      // wait ended by DB_CONNECT_TIMEOUT_MS, never by the lock going away. Then the 5 holders finished.
      expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503)).toEqual([]);
      const unavailable = outcomes.filter((o) => o.status === 503);
      expect(unavailable).toHaveLength(scale.exhaustionWaves * (scale.exhaustionRequests - POOL_MAX));
      expect(
        unavailable.filter((o) => o.message !== 'the database is unavailable: no connection free in time'),
      ).toEqual([]);
      expect(counts[200]).toBe(scale.exhaustionWaves * POOL_MAX);
      expect((await getHealth(started.baseUrl)).status).toBe(200);
      expectHealthyProcess(app);
    });

    it('SIGTERM during load: readiness 503 first, in-flight requests complete, no acknowledged write lost, exit 0', async () => {
      const started = await appOnTestDatabase(
        db,
        `sigterm-${randomBytes(3).toString('hex')}`,
        { HEALTH_SHUTDOWN_DELAY_MS: '2000', SHUTDOWN_GRACE_MS: '8000' },
        root,
      );
      app = started.app;
      expect((await getHealth(started.baseUrl)).status).toBe(200); // a balancer has been polling all along
      const prefix = `sigterm-${randomBytes(4).toString('hex')}`;
      const load = startWriteLoad(started.baseUrl, {
        clients: scale.clients,
        prefix,
        stopOnConnectionError: true,
        requestTimeoutMs: REQUEST_BOUND_MS,
      });
      await sleep(scale.loadBeforeSigtermMs);
      const before = load.outcomes.length;
      app.child.kill('SIGTERM');
      // A balancer's probes, every 100 ms, each on its own (a slow answer does not hold up the next).
      const probes: Promise<unknown>[] = [];
      const poller = setInterval(() => probes.push(getHealth(started.baseUrl).catch(() => undefined)), 100);
      const exitCode = await app.exited();
      clearInterval(poller);
      const answers = (await Promise.all(probes)) as ({ status: number; body: any } | undefined)[];
      const outcomes = await load.stop();
      const check = await checkWrites(db.url, prefix, outcomes);
      report(scale, 'sigterm', { exitCode, afterSigterm: outcomes.length - before, ...loadFigures(outcomes, check) });

      const draining = answers.filter((a) => a?.body?.error?.database?.message === 'shutting down');
      expect(draining.length).toBeGreaterThan(0);
      expect(draining.every((a) => a!.status === 503)).toBe(true);
      expect(exitCode).toBe(0);
      expect(app.output()).toMatch(/requests drained in \d+ ms/);
      expect(app.output()).not.toMatch(/cutting them off|still busy/);
      expect(check.lost).toEqual([]);
      expect(check.duplicated).toEqual([]);
      // Every write the server took was answered: none is stored without its client having got the 201.
      expect(check.storedUnacknowledged).toBe(0);
      expect(outcomes.length - before).toBeGreaterThan(0); // writes kept being served during the readiness delay
      // After the server stops listening, clients find nobody there (no response); never a 5xx other than 503.
      expect(unexpected(outcomes, true)).toEqual([]);
      app = undefined;
    });
  });
}

/** Faults of the server itself, on a dedicated embedded server: degraded start, restart under load. */
export function describeServerFaults(scale: FaultScale): void {
  describe(`database server faults (${scale.name})`, () => {
    let root: string;
    let dataDir: string;
    let port: number;
    let url: string;
    let server: EmbeddedServerProcess | undefined;
    let app: AppProcess | undefined;
    let baseUrl: string;

    beforeAll(async () => {
      root = await makeServerRoot('nest-pg-server-faults-');
      dataDir = join(root, 'data');
      port = await findFreePort();
      const { user, password } = EMBEDDED_CREDENTIALS;
      url = `postgres://${user}:${password}@127.0.0.1:${port}/${DEFAULT_EMBEDDED_DATABASE}`;
    });

    afterAll(async () => {
      await app?.stop();
      await server?.stop();
      await rm(root, { recursive: true, force: true });
    });

    it('fails fast with DB_REQUIRE_AT_STARTUP=true when the database is unreachable, naming the cause', async () => {
      const failing = startAppProcess(root, {
        NODE_ENV: 'test',
        DATABASE_URL: url,
        DB_REQUIRE_AT_STARTUP: 'true',
        DB_CONNECT_RETRY_ATTEMPTS: '1',
        DB_CONNECT_RETRY_DELAY_MS: '100',
      });
      const code = await failing.exited();
      expect(code).not.toBe(0);
      expect(failing.output()).toMatch(
        /cannot connect to the database \(connection refused \(no server listening\)\); attempt 2 of 2/,
      );
      expect(failing.output()).not.toMatch(/listening on http/);
      expect(failing.output()).not.toContain(EMBEDDED_CREDENTIALS.password + '@');
    });

    it('degraded start: starts before the database, answers 503 without waiting on a connection, serves once it is up, without a restart', async () => {
      app = startAppProcess(root, {
        NODE_ENV: 'test',
        DATABASE_URL: url,
        DB_MIGRATIONS_RUN: 'true',
        DB_CONNECT_RETRY_DELAY_MS: '200',
        DB_CONNECT_RETRY_MAX_DELAY_MS: '1000',
        ...BOUNDS_ENV,
      });
      baseUrl = `http://127.0.0.1:${await app.listening()}`;
      expect(app.output()).toMatch(/starting without the database \(connection refused/);

      expect((await getHealth(baseUrl, '/health/live')).status).toBe(200);
      const readiness = await getHealth(baseUrl);
      expect(readiness.status).toBe(503);
      expect(readiness.body.error.database).toMatchObject({
        status: 'down',
        message: 'not connected yet: connection refused (no server listening); retrying in the background',
        code: 'ECONNREFUSED',
      });
      const t0 = performance.now();
      const write = await fetch(`${baseUrl}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'before the database' }),
      });
      const writeMs = performance.now() - t0;
      expect(write.status).toBe(503);
      expect(write.headers.get('retry-after')).toBe('1');
      expect(await write.json()).toMatchObject({
        statusCode: 503,
        message: expect.stringMatching(/not connected yet/),
      });
      expect((await fetch(`${baseUrl}/users?limit=1`)).status).toBe(503);
      const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/^db_connection_ready 0$/m);
      expect(metrics).toMatch(/^db_up 0$/m);
      // "not connected yet" comes from the readiness gate before any pool checkout: the write
      // never waited on a connection (a pool wait would end in "no connection free in time" or a
      // connect error). How fast that was is the machine's business: reported, not asserted.
      report(scale, 'degraded-start', { writeWhileDownMs: Math.round(writeMs) });

      server = await startEmbeddedServerProcess(dataDir, port);
      const upAt = performance.now();
      await pollUntil(
        () => getHealth(baseUrl),
        (a) => a.status === 200,
        { timeoutMs: REQUEST_BOUND_MS, intervalMs: 100 },
      );
      report(scale, 'degraded-start', { readyAfterServerUpMs: Math.round(performance.now() - upAt) });
      const created = await fetch(`${baseUrl}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'after the database came up' }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT title FROM tasks WHERE id = $1', [id]);
        expect(rows).toEqual([{ title: 'after the database came up' }]);
      } finally {
        await client.end();
      }
      expect(app.output()).toMatch(/connected to the database after \d+ attempts; serving normally/);
      expectHealthyProcess(app);
    });

    it(`server restart under load (${scale.restarts}x): readiness 503 on the first check after the stop, 200 again after the start, no acknowledged write lost`, async () => {
      expect(app).toBeDefined(); // the app of the degraded-start test, never restarted
      const pid = app!.child.pid;
      const prefix = `restart-${randomBytes(4).toString('hex')}`;
      const load = startWriteLoad(baseUrl, {
        clients: Math.min(scale.clients, 20),
        prefix,
        requestTimeoutMs: REQUEST_BOUND_MS,
      });
      const figures: Record<string, number>[] = [];
      for (let i = 0; i < scale.restarts; i++) {
        await sleep(1_000);
        await server!.stop();
        server = undefined;
        const stopped = performance.now();
        // The server has exited: the very next check must fail (no cached "up"), however long it took.
        const down = await getHealth(baseUrl, '/health', REQUEST_BOUND_MS);
        expect({ status: down.status, database: down.body.error?.database?.status }).toEqual({
          status: 503,
          database: 'down',
        });
        const downMs = performance.now() - stopped;
        await sleep(Math.max(0, 5_000 - (performance.now() - stopped)));
        server = await startEmbeddedServerProcess(dataDir, port);
        const restarted = performance.now();
        // Each check reconnects on its own; the bound only keeps a broken reconnect from hanging the test.
        await pollUntil(
          () => getHealth(baseUrl),
          (a) => a.status === 200,
          { timeoutMs: REQUEST_BOUND_MS, intervalMs: 20 },
        );
        figures.push({ readinessDownMs: Math.round(downMs), readinessUpMs: Math.round(performance.now() - restarted) });
      }
      await sleep(1_000);
      const outcomes = await load.stop();
      const check = await checkWrites(url, prefix, outcomes);
      report(scale, 'restart', { restarts: figures, ...loadFigures(outcomes, check) });

      expect(check.lost).toEqual([]);
      expect(check.duplicated).toEqual([]);
      expect(unexpected(outcomes)).toEqual([]); // each answered within REQUEST_BOUND_MS (none timed out)
      expect(outcomes.filter((o) => o.status === 201).length).toBeGreaterThan(0);
      expect(app!.child.pid).toBe(pid);
      expectHealthyProcess(app!);
    });
  });
}
