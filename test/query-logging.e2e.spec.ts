import { CapturedLog, CapturingLogger } from '@nestjs/testing';
import { Client } from 'pg';
import {
  DatabaseService,
  DatabaseUnavailableError,
  getRepositoryServiceToken,
  RepositoryService,
} from '../src/database';
import { User } from '../src/entities';
import { http, uniqueEmail } from './support/api';
import { createTestApp, StartedTestApp } from './support/test-app';

/** The app on its own database with `env`, its log captured from here on (startup lines left out). */
async function startLogged(env: NodeJS.ProcessEnv): Promise<{ t: StartedTestApp; logs: CapturingLogger }> {
  const t = await createTestApp().withEnv(env).start();
  const logs = new CapturingLogger({ print: Boolean(process.env.TEST_LOG) });
  t.app.useLogger(logs);
  return { t, logs };
}

/** The messages of the `Database` context's lines at `level`. */
const databaseLines = (logs: CapturingLogger, level: CapturedLog['level']): string[] =>
  logs.filter({ context: 'Database', level }).map((e) => String(e.message));

/** Terminates the server process of the app's connection running `SELECT pg_sleep(…)`, once it runs. */
async function terminateSleeper(url: string): Promise<void> {
  const observer = new Client({ connectionString: url });
  await observer.connect();
  try {
    for (;;) {
      const { rows } = await observer.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND query LIKE 'SELECT pg_sleep(%'`,
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await observer.end();
  }
}

describe('query logging on a real server (the app over HTTP, its log captured)', () => {
  let started: StartedTestApp | undefined;
  afterEach(async () => {
    await started?.close();
    started = undefined;
  });

  describe('DB_LOG_QUERIES=true logs every statement, also those the repository runs on pg itself', () => {
    it('a POST and a GET: their statements are logged, parameters redacted', async () => {
      const { t, logs } = await startLogged({ DB_LOG_QUERIES: 'true' });
      started = t;
      const email = uniqueEmail('logged');

      const post = await http(t).post('/users').send({ email, displayName: 'Logged User' });
      expect(post.status).toBe(201);
      const posted = databaseLines(logs, 'log');
      logs.clear();
      const get = await http(t).get(`/users/${post.body.id}`);
      expect(get.status).toBe(200);
      const got = databaseLines(logs, 'log');

      expect(posted).toContainEqual(
        expect.stringMatching(/^query: WITH w AS \(INSERT INTO "users" .* \[\d+ parameter\(s\) redacted\]$/),
      );
      expect(got).toContainEqual(
        expect.stringMatching(/^query: SELECT .* FROM "users" .*\[1 parameter\(s\) redacted\]$/),
      );
      for (const line of [...posted, ...got]) {
        expect(line).not.toContain(email);
        expect(line).not.toContain(post.body.id);
      }
    });

    it('with DB_LOG_PARAMETERS=true the lines show the values', async () => {
      const { t, logs } = await startLogged({ DB_LOG_QUERIES: 'true', DB_LOG_PARAMETERS: 'true' });
      started = t;
      const email = uniqueEmail('shown');

      const post = await http(t).post('/users').send({ email, displayName: 'Shown User' });
      expect(post.status).toBe(201);
      const get = await http(t).get(`/users/${post.body.id}`);
      expect(get.status).toBe(200);

      const lines = databaseLines(logs, 'log');
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^query: WITH w AS \\(INSERT INTO "users" .*"${email}"`)),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^query: SELECT .* FROM "users" .*\\[\\$1="${post.body.id}"\\]$`)),
      );
    });
    it('a stream its consumer leaves early logs its cursor statements, CLOSE and ROLLBACK included', async () => {
      const { t, logs } = await startLogged({ DB_LOG_QUERIES: 'true' });
      started = t;
      for (const n of [1, 2, 3]) {
        expect(
          (
            await http(t)
              .post('/users')
              .send({ email: uniqueEmail(`stream${n}`), displayName: 'S' })
          ).status,
        ).toBe(201);
      }
      logs.clear();
      const users = t.app.get<RepositoryService<User>>(getRepositoryServiceToken(User));
      for await (const user of users.stream({}, { batchSize: 1 })) {
        expect(user.email).toBeDefined();
        break; // the consumer stops after the first row: the cursor and the transaction are left open
      }
      const lines = databaseLines(logs, 'log');
      for (const statement of [
        /^query: BEGIN ISOLATION LEVEL/,
        /^query: DECLARE /,
        /^query: FETCH 1 FROM /,
        /^query: CLOSE /,
        /^query: ROLLBACK/,
      ])
        expect(lines).toContainEqual(expect.stringMatching(statement));
    });
  });

  describe('failures: what the caller caused is not a server error', () => {
    it('a duplicate email (409) logs no ERROR line, only a debug line with the SQLSTATE, its values redacted', async () => {
      const { t, logs } = await startLogged({});
      started = t;
      const email = uniqueEmail('duplicate');
      expect((await http(t).post('/users').send({ email, displayName: 'First' })).status).toBe(201);

      const duplicate = await http(t).post('/users').send({ email, displayName: 'Second' });
      expect(duplicate.status).toBe(409);

      expect(logs.filter({ level: 'error' })).toEqual([]);
      expect(logs.filter({ level: 'warn' })).toEqual([]);
      const [line, ...more] = databaseLines(logs, 'debug').filter((m) => m.startsWith('query failed'));
      expect(more).toEqual([]);
      expect(line).toMatch(
        /^query failed \(SQLSTATE 23505\): .* -- WITH w AS \(INSERT INTO "users" .* \[\d+ parameter\(s\) redacted\]$/,
      );
      expect(line).not.toContain(email);
    });

    it('server-side failures still log at error: an undefined table, a connection killed mid-statement', async () => {
      const { t, logs } = await startLogged({});
      started = t;
      const db = t.app.get(DatabaseService);

      await expect(db.query('SELECT * FROM no_such_table WHERE id = $1', [1])).rejects.toThrow('no_such_table');
      const sleeping = db.query('SELECT pg_sleep(30)').catch((error: unknown) => error);
      await terminateSleeper(t.db.url);
      expect(await sleeping).toBeInstanceOf(DatabaseUnavailableError);

      expect(databaseLines(logs, 'error')).toEqual([
        'query failed (SQLSTATE 42P01): relation "no_such_table" does not exist -- SELECT * FROM no_such_table WHERE id = $1 [1 parameter(s) redacted]',
        expect.stringMatching(/^query failed \(SQLSTATE 57P01\): terminating connection .* -- SELECT pg_sleep\(30\)$/),
      ]);
    });
  });

  describe('the slow-query log (DB_SLOW_QUERY_MS)', () => {
    it('a pg_sleep over the threshold is logged once, at warn, with its duration, parameters redacted', async () => {
      const { t, logs } = await startLogged({ DB_SLOW_QUERY_MS: '200' });
      started = t;
      const db = t.app.get(DatabaseService);

      await db.query('SELECT pg_sleep($1)', [0.4]);
      await t.dataSource.query('SELECT pg_sleep($1) AS "throughTypeOrm"', [0.4]);

      const slow = databaseLines(logs, 'warn').filter((m) => m.includes('pg_sleep'));
      expect(slow).toEqual([
        expect.stringMatching(/^slow query \((\d+) ms\): SELECT pg_sleep\(\$1\) \[1 parameter\(s\) redacted\]$/),
        expect.stringMatching(
          /^slow query \((\d+) ms\): SELECT pg_sleep\(\$1\) AS "throughTypeOrm" \[1 parameter\(s\) redacted\]$/,
        ),
      ]);
      // pg_sleep(0.4) cannot end sooner: a lower bound the server guarantees, not a timing assumption.
      for (const line of slow) expect(Number(/\((\d+) ms\)/.exec(line)![1])).toBeGreaterThanOrEqual(400);
      expect(logs.filter({ level: 'error' })).toEqual([]);
    });
  });
});
