import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  AppProcess,
  makeCheckout,
  processAlive,
  processTree,
  startAppProcess,
  startNpmStart,
} from './support/app-process';
import { APP_MIGRATION_NAMES } from './support/app-migrations';
import { createTestDatabase, TestDatabase } from './support/test-database';

const CANARY = 'Canary-Pa55word-7f3e';
const STOPPED = /\[Database\] embedded PostgreSQL stopped; its data stays in .*\.data\/postgres/;
/** A fresh checkout's first `npm start` compiles everything: minutes on a loaded machine. */
const BUILD_TIMEOUT_MS = 300_000;

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

      expect(await app.stop()).toBe(0);
      expect(existsSync(join(cwd, '.data', 'postgres', 'postmaster.pid'))).toBe(false);
      expect(app.output()).toMatch(STOPPED);
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

    it('on a startup error after the embedded server started, stops it before exiting 1', async () => {
      const app = startAppProcess(cwd, { NODE_ENV: 'development', DB_POOL_MAX: 'lots' });
      expect(await app.exited()).toBe(1);
      expect(app.output()).toMatch(/embedded PostgreSQL reused/);
      expect(app.output()).toMatch(/DB_POOL_MAX: must be an integer from 1 to 1000 \(got "lots"\)/);
      expect(app.output()).toMatch(STOPPED);
      expect(existsSync(join(cwd, '.data', 'postgres', 'postmaster.pid'))).toBe(false);
    });

    it('refuses a bad EMBEDDED_PG_PORT before starting anything, naming it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'nest-pg-port-'));
      try {
        const app = startAppProcess(dir, { NODE_ENV: 'development', EMBEDDED_PG_PORT: '0x10' });
        expect(await app.exited()).toBe(1);
        expect(app.output()).toMatch(/EMBEDDED_PG_PORT: must be an integer from 0 to 65535 \(got "0x10"\)/);
        expect(app.output()).not.toMatch(/\n\s+at /);
        expect(existsSync(join(dir, '.data'))).toBe(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
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
        'LOG_LEVEL',
        { LOG_LEVEL: 'loud' },
        /LOG_LEVEL: must be one of fatal, error, warn, log, debug, verbose \(got "loud"\)/,
      ],
      ['PORT', { PORT: '1e3' }, /PORT: must be an integer from 0 to 65535 \(got "1e3"\)/],
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

  describe('npm start, as a user runs it on a fresh checkout', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'nest-pg-npm-start-'));
      await chmod(dir, 0o755);
      await makeCheckout(dir);
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    const postmasterPid = () =>
      Number(readFileSync(join(dir, '.data', 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const built = () =>
      ['dist/src/main.js', 'dist/tsconfig.build.tsbuildinfo'].map((f) => statSync(join(dir, f)).mtimeMs);

    /** Serves /health; then `signal` to `target` stops every process of the tree, the server cleanly, with 0. */
    async function startAndStop(run: AppProcess, target: 'npm' | 'app', signal: NodeJS.Signals): Promise<void> {
      const port = await run.listening(BUILD_TIMEOUT_MS);
      expect((await health(port)).status).toBe(200);
      const tree = processTree(run.child.pid!);
      const [npm, app] = tree;
      const postmaster = postmasterPid();
      // npm runs node itself (no shell in between: it would die of the signal and orphan the app).
      expect(processTree(app).slice(0, 2)).toEqual([app, postmaster]);
      expect(tree).toContain(postmaster);

      process.kill(target === 'npm' ? npm : app, signal);
      expect(await run.exited()).toBe(0);
      expect(tree.filter(processAlive)).toEqual([]);
      expect(existsSync(join(dir, '.data', 'postgres', 'postmaster.pid'))).toBe(false);
      expect(run.output()).toMatch(STOPPED);
      expect(run.output()).not.toMatch(/idle connection failed/);
    }

    it(
      'builds, serves on the embedded server, and SIGTERM to npm stops npm, the app and the server, exit 0',
      async () => {
        const run = startNpmStart(dir, { NODE_ENV: 'development', EMBEDDED_PG_PORT: '0' });
        try {
          await startAndStop(run, 'npm', 'SIGTERM');
        } finally {
          run.child.kill('SIGKILL');
        }
        expect(existsSync(join(dir, 'dist', 'src', 'main.js'))).toBe(true);
      },
      BUILD_TIMEOUT_MS + 60_000,
    );

    it('a second start with nothing changed compiles nothing; SIGINT to the app stops it all the same way', async () => {
      const before = built();
      const run = startNpmStart(dir, { NODE_ENV: 'development', EMBEDDED_PG_PORT: '0' });
      try {
        await startAndStop(run, 'app', 'SIGINT');
      } finally {
        run.child.kill('SIGKILL');
      }
      expect(run.output()).toMatch(/embedded PostgreSQL reused/);
      expect(built()).toEqual(before);
    });
  });
});
