import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startAppProcess } from './support/app-process';
import { pollUntil } from './support/health-client';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, HARNESS_ENV, TestDatabase, withAdminClient } from './support/test-database';
import { makeServerRoot } from './support/embedded-server-process';

// The database password of the app under test: it must appear in no answer, header, log line or metric.
const CANARY = `canary-${randomBytes(6).toString('hex')}`;
// A bound parameter of a failing statement: in the logs only with DB_LOG_PARAMETERS=true.
const PARAMETER = `param-canary-${randomBytes(4).toString('hex')}@example.com`;

/** One HTTP answer as a client sees it: status, headers and body. */
interface Answer {
  status: number;
  text: string;
}

function expectNoPassword(text: string): void {
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain(encodeURIComponent(CANARY));
  expect(text).not.toMatch(/postgres(ql)?:\/\/[^\s"]*:[^\s"]*@/);
}

describe.each([false, true])(
  'the password is a canary; DB_LOG_PARAMETERS=%s (the app as a process, behind a proxy to cut)',
  (logParameters) => {
    const adminUrl = process.env[HARNESS_ENV.adminUrl]!;
    const role = `secrets_canary_${randomBytes(4).toString('hex')}`;
    const answers: Answer[] = [];
    let db: TestDatabase;
    let proxy: TcpProxy;
    let cwd: string;
    let app: AppProcess;
    let baseUrl: string;

    async function call(path: string, init: RequestInit = {}): Promise<Answer> {
      const res = await fetch(`${baseUrl}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', ...init.headers },
        signal: AbortSignal.timeout(10_000),
      });
      const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
      const answer = { status: res.status, text: `${headers}\n\n${await res.text()}` };
      answers.push(answer);
      return answer;
    }
    const postUser = (email: string) =>
      call('/users', { method: 'POST', body: JSON.stringify({ email, displayName: 'Canary' }) });

    beforeAll(async () => {
      db = await createTestDatabase();
      await withAdminClient(adminUrl, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${CANARY}'`));
      await withAdminClient(db.url, (c) =>
        c.query(
          `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
        ),
      );
      proxy = await startTcpProxy(Number(new URL(adminUrl).port));
      const url = new URL(db.url);
      url.port = String(proxy.port);
      url.username = role;
      url.password = CANARY;
      cwd = await makeServerRoot('nest-pg-secrets-');
      app = startAppProcess(cwd, {
        NODE_ENV: 'test',
        DATABASE_URL: url.toString(),
        DB_LOG_PARAMETERS: String(logParameters),
        HEALTH_PING_TIMEOUT_MS: '1000',
        LOG_LEVEL: 'debug', // a failure the client caused (409) is logged at debug
      });
      baseUrl = `http://127.0.0.1:${await app.listening()}`;
    });

    afterAll(async () => {
      await app?.stop();
      await proxy?.close();
      await db?.drop();
      await withAdminClient(adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
      await rm(cwd, { recursive: true, force: true });
    });

    it('a failing statement (a duplicate email) is logged at debug with its SQLSTATE; its parameters only when opted in', async () => {
      expect((await postUser(PARAMETER)).status).toBe(201);
      const duplicate = await postUser(PARAMETER);
      expect(duplicate.status).toBe(409);
      expect(duplicate.text).not.toContain(PARAMETER);
      await app.printed(/query failed \(SQLSTATE 23505\)/, 10_000);
      const failed = app
        .output()
        .split('\n')
        .filter((line) => line.includes('query failed (SQLSTATE 23505)'));
      if (logParameters) {
        expect(failed.join('\n')).toContain(`=${JSON.stringify(PARAMETER)}`);
      } else {
        expect(failed.join('\n')).toMatch(/\[\d+ parameter\(s\) redacted\]/);
        expect(app.output()).not.toContain(PARAMETER);
      }
      // The database read back: the first row was written, the duplicate was not.
      const rows = await withAdminClient(db.url, (c) =>
        c.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [PARAMETER]),
      );
      expect(rows.rows).toEqual([{ n: 1 }]);
    });

    it('answers a bad request, /health, /metrics and /docs-json', async () => {
      expect((await call('/users?limit=abc')).status).toBe(400);
      expect((await call('/users', { method: 'POST', body: '{"email": ' })).status).toBe(400);
      expect((await call('/users/not-a-uuid')).status).toBe(400);
      expect((await call('/health')).status).toBe(200);
      const metrics = await call('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/^db_query_errors_total\{sqlstate_class="23"\} [1-9]/m);
      expect((await call('/docs-json')).status).toBe(200);
    });

    it('during an outage (the path to the server cut) answers 503s, and again 200 once it is back', async () => {
      await proxy.cut();
      const down = await pollUntil(
        () => call('/health'),
        (a) => a.status === 503,
      );
      expect(down.text).toContain('"status":"down"');
      expect((await postUser(`outage-${PARAMETER}`)).status).toBe(503);
      expect((await call('/users')).status).toBe(503);
      expect((await call('/metrics')).status).toBe(200);
      await proxy.restore();
      await pollUntil(
        () => call('/health'),
        (a) => a.status === 200,
      );
      expect((await call('/users')).status).toBe(200);
    });

    it('showed the password in no answer, header, metric or log line', () => {
      expect(answers.length).toBeGreaterThanOrEqual(12);
      for (const answer of answers) expectNoPassword(answer.text);
      expectNoPassword(app.output());
      if (!logParameters) expect(app.output()).not.toContain(PARAMETER);
      expect(app.child.exitCode).toBeNull();
      const bytes = answers.reduce((n, a) => n + a.text.length, 0);
      process.stdout.write(
        `[secrets figures] DB_LOG_PARAMETERS=${logParameters}: ${answers.length} answers (${bytes} bytes) and ` +
          `${app.output().length} bytes of log checked\n`,
      );
    });
  },
);

describe('startup failures with a canary password (the app as a process)', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'nest-pg-secrets-start-'));
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('no server listening: the cause, and no password', async () => {
    const proxy = await startTcpProxy(1);
    const port = proxy.port;
    await proxy.close(); // a port nothing listens on
    const app = startAppProcess(cwd, {
      NODE_ENV: 'test',
      DATABASE_URL: `postgres://app:${CANARY}@127.0.0.1:${port}/app`,
      DB_CONNECT_TIMEOUT_MS: '1000',
    });
    // Whether the service exits or starts degraded, it says why and shows no password.
    await Promise.race([app.exited(), app.listening().catch(() => undefined)]);
    if (app.child.exitCode === null) {
      await app.printed(/ECONNREFUSED|connection refused/i, 30_000);
      app.child.kill('SIGTERM');
    }
    await app.exited();
    expect(app.output()).toMatch(/ECONNREFUSED|connection refused/i);
    expectNoPassword(app.output());
  });
});
