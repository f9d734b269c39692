import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrationChecksum } from '../src/database/migrations/migration-checksums';
import { migrationLockKey } from '../src/database/migrations/migration-lock';
import { AppProcess, startAppProcess } from './support/app-process';
import { appliedCounts, checkCli, finished, queryDb, ROOT, spawnNode, tableExists } from './support/migration-process';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { APP_MIGRATION_NAMES, APP_MIGRATIONS, expectAppliedOnceByOne, IN_ORDER } from './support/app-migrations';

const N = APP_MIGRATION_NAMES.length;
const LATEST = APP_MIGRATION_NAMES[N - 1];
const FORBID_DEV_DEPENDENCIES = join(ROOT, 'test', 'fixtures', 'forbid-dev-dependencies.cjs');
const BUILD_TIMEOUT_MS = 180_000;

describe('deploying: the compiled CLI and app replicas', () => {
  let db: TestDatabase;
  let cwd: string;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    cwd = await mkdtemp(join(tmpdir(), 'nest-pg-deploy-'));
  });
  afterEach(async () => {
    await db.drop();
    await rm(cwd, { recursive: true, force: true });
  });

  describe('after `npm run build`: plain node on dist/, no ts-node, no devDependency', () => {
    beforeAll(() => {
      const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
      if (build.status !== 0)
        throw new Error(`npm run build failed (${build.status}):\n${build.stdout}${build.stderr}`);
    }, BUILD_TIMEOUT_MS);

    // Exactly the deploy commands of the README, with a preload that fails on any devDependency.
    const deployed = (script: string, ...args: string[]) =>
      spawnNode(['-r', FORBID_DEV_DEPENDENCIES, join(ROOT, script), ...args], db.env, { tsNode: false });

    it('typeorm migration:run|revert -d dist/ormconfig.js and the check gate work; checksums agree with ts-node and Jest', async () => {
      const ormconfig = 'dist/ormconfig.js';
      const run = await finished(deployed('node_modules/typeorm/cli.js', 'migration:run', '-d', ormconfig));
      expect(run).toMatchObject({
        code: 0,
        output: expect.stringMatching(
          new RegExp(`applied ${APP_MIGRATION_NAMES.join(' in \\d+ ms[^]*applied ')} in \\d+ ms`),
        ),
      });
      const cli = 'dist/src/database/cli.js';
      expect(await finished(deployed(cli, 'migration:check', '-d', ormconfig))).toMatchObject({ code: 0 });

      // The checksums dist/ recorded are the ones ts-node (the dev CLI) and Jest compute.
      expect(await queryDb(db.url, `SELECT name, checksum FROM migrations_checksums ${IN_ORDER}`)).toEqual(
        APP_MIGRATIONS.map((m) => ({ name: m.name, checksum: migrationChecksum(m) })),
      );
      expect(await finished(checkCli(join(ROOT, 'ormconfig.ts'), db.env))).toMatchObject({ code: 0 });

      const revert = await finished(deployed('node_modules/typeorm/cli.js', 'migration:revert', '-d', ormconfig));
      expect(revert).toMatchObject({
        code: 0,
        output: expect.stringMatching(new RegExp(`reverted ${LATEST} in \\d+ ms`)),
      });
      expect(await appliedCounts(db.url)).toEqual(
        Object.fromEntries(APP_MIGRATION_NAMES.slice(0, -1).map((name) => [name, 1])),
      );
      expect(await tableExists(db.url, 'users')).toBe(true);
      expect(await finished(deployed(cli, 'migration:check', '-d', ormconfig))).toMatchObject({ code: 10 });
    });
  });

  describe('app replicas starting with DB_MIGRATIONS_RUN=true', () => {
    const replicaEnv = () => ({ ...db.env, NODE_ENV: 'production', DB_MIGRATIONS_RUN: 'true' });

    it('five started together all serve, and each migration is applied and recorded once', async () => {
      const apps: AppProcess[] = [1, 2, 3, 4, 5].map(() => startAppProcess(cwd, replicaEnv()));
      try {
        await Promise.all(apps.map((app) => app.listening(120_000)));
        await expectAppliedOnceByOne(
          db.url,
          apps.map((app) => app.output()),
        );
      } finally {
        apps.forEach((app) => app.child.kill('SIGTERM'));
        await Promise.all(apps.map((app) => app.exited()));
      }
      // Longer than the 120 s each start may take: five Nest processes starting on 2 loaded CPUs.
    }, 180_000);

    it('a replica that cannot get the lock in time exits 1 naming the holder, without retrying', async () => {
      const holder = new Client({ connectionString: db.url, application_name: 'deploy-holder' });
      await holder.connect();
      try {
        await holder.query(`SELECT pg_advisory_lock($1::bigint)`, [String(migrationLockKey('migrations'))]);
        const app = startAppProcess(cwd, { ...replicaEnv(), DB_MIGRATIONS_LOCK_TIMEOUT_MS: '1000' });
        expect(await app.exited()).toBe(1);
        // Waited about DB_MIGRATIONS_LOCK_TIMEOUT_MS (4 digits), not the default 60000: the setting reached the guard.
        expect(app.output()).toMatch(
          /gave up waiting for the migration lock after \d{4} ms: held by pid \d+ \(application "deploy-holder"/,
        );
        expect(app.output()).not.toMatch(/Retrying/);
        expect(await tableExists(db.url, 'users')).toBe(false);
      } finally {
        await holder.end();
      }
    });
  });
});
