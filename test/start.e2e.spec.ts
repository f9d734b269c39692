import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startAppProcess } from './support/app-process';
import { APP_MIGRATION_NAMES } from './support/app-migrations';
import { createTestDatabase, TestDatabase } from './support/test-database';

const CANARY = 'Canary-Pa55word-7f3e';

async function health(port: number): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  return { status: res.status, body: await res.json() };
}

describe('the service as a process (npm start)', () => {
  describe('without DATABASE_URL: embedded PostgreSQL in .data/postgres', () => {
    let cwd: string;
    beforeAll(async () => {
      cwd = await mkdtemp(join(tmpdir(), 'nest-pg-start-'));
      await chmod(cwd, 0o755);
    });
    afterAll(() => rm(cwd, { recursive: true, force: true }));

    const embeddedUrl = (out: string) => {
      const port = /127\.0\.0\.1:(\d+)\/app/.exec(out)![1];
      return `postgres://postgres:postgres@127.0.0.1:${port}/app`;
    };

    it('initialises, migrates, serves /health, and stops the server cleanly on SIGTERM', async () => {
      const app = startAppProcess(cwd, { NODE_ENV: 'development' });
      const port = await app.listening();
      const out = app.output();
      expect(out).toMatch(/embedded PostgreSQL initialised .* data in .*\.data\/postgres/);
      expect(out).toMatch(/set DATABASE_URL \(or DB_HOST\) to use an external server instead/);
      expect(out).not.toMatch(/postgres:postgres@/);
      const { status, body } = await health(port);
      expect(status).toBe(200);
      expect(body.info.database.status).toBe('up');

      const client = new Client({ connectionString: embeddedUrl(out) });
      await client.connect();
      const migrated = await client.query('SELECT name FROM migrations ORDER BY id');
      expect(migrated.rows.map((r) => r.name)).toEqual(APP_MIGRATION_NAMES);
      await client.query(`INSERT INTO users (email, display_name) VALUES ('kept@example.com', 'Kept')`);
      await client.end();

      await app.stop();
      expect(existsSync(join(cwd, '.data', 'postgres', 'postmaster.pid'))).toBe(false);
      expect(app.output()).not.toMatch(/idle connection failed/);
    });

    it('reuses the data on the next start', async () => {
      const app = startAppProcess(cwd, { NODE_ENV: 'development' });
      try {
        const port = await app.listening();
        expect(app.output()).toMatch(/embedded PostgreSQL reused/);
        expect((await health(port)).status).toBe(200);
        const client = new Client({ connectionString: embeddedUrl(app.output()) });
        await client.connect();
        const kept = await client.query(`SELECT display_name FROM users WHERE email = 'kept@example.com'`);
        await client.end();
        expect(kept.rows).toEqual([{ display_name: 'Kept' }]);
      } finally {
        await app.stop();
      }
    });

    it('after a crash (kill -9), the next start stops the orphaned server and carries on', async () => {
      const crashed = startAppProcess(cwd, { NODE_ENV: 'development' });
      await crashed.listening();
      crashed.child.kill('SIGKILL');
      await crashed.exited();
      expect(existsSync(join(cwd, '.data', 'postgres', 'postmaster.pid'))).toBe(true);

      const app = startAppProcess(cwd, { NODE_ENV: 'development' });
      try {
        const port = await app.listening();
        expect(app.output()).toMatch(/stopped an embedded PostgreSQL left running by an earlier run \(pid \d+\)/);
        expect((await health(port)).status).toBe(200);
      } finally {
        await app.stop();
      }
    });
  });

  describe('with DATABASE_URL', () => {
    let db: TestDatabase;
    let cwd: string;
    beforeAll(async () => {
      db = await createTestDatabase();
      cwd = await mkdtemp(join(tmpdir(), 'nest-pg-url-'));
    });
    afterAll(async () => {
      await db?.drop();
      await rm(cwd, { recursive: true, force: true });
    });

    it('uses that server and starts no embedded one', async () => {
      const app = startAppProcess(cwd, { DATABASE_URL: db.url, NODE_ENV: 'production' });
      try {
        const port = await app.listening();
        expect((await health(port)).status).toBe(200);
        expect(app.output()).not.toMatch(/embedded PostgreSQL/);
        expect(existsSync(join(cwd, '.data'))).toBe(false);
      } finally {
        await app.stop();
      }
    });

    it.each([
      ['DB_POOL_MAX', { DB_POOL_MAX: 'lots' }, /DB_POOL_MAX: must be an integer from 1 to 1000 \(got "lots"\)/],
      ['DB_SSL', { DB_SSL: 'maybe' }, /DB_SSL: must be one of disable, verify-full/],
      [
        'DATABASE_URL',
        { DATABASE_URL: `postgres://app:${CANARY}@@bad host:x/db` },
        /DATABASE_URL: must be a postgres:\/\/ .*\(value hidden\)/,
      ],
    ])('refuses to start on a bad %s, naming it, and never prints the password', async (_name, bad, message) => {
      const app = startAppProcess(cwd, { DATABASE_URL: `postgres://app:${CANARY}@127.0.0.1:1/db`, ...bad });
      expect(await app.exited()).toBe(1);
      expect(app.output()).toMatch(message);
      expect(app.output()).not.toContain(CANARY);
      expect(app.output()).not.toMatch(/\n\s+at /); // no stack trace
    });

    it('refuses to start in production without a database, saying which variable to set', async () => {
      const app = startAppProcess(cwd, { NODE_ENV: 'production' });
      expect(await app.exited()).toBe(1);
      expect(app.output()).toMatch(/DATABASE_URL: must be set/);
    });
  });
});
