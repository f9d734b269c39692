import { join } from 'node:path';
import {
  appliedCounts,
  checkCli,
  finished,
  FIXTURE_DATA_SOURCE,
  MigrationDir,
  migrationDir,
  queryDb,
  repairCli,
  ROOT,
  tableExists,
  typeormCli,
} from './support/migration-process';
import { appDataSourceOptions } from '../src/app.data-source';
import { APP_MIGRATION_NAMES, expectAppliedOnceByOne } from './support/app-migrations';
import { configError } from './support/config-error';
import { createTestDatabase, TestDatabase } from './support/test-database';

const ORMCONFIG = join(ROOT, 'ormconfig.ts');
const N = APP_MIGRATION_NAMES.length;
// Each test runs several ts-node processes at once; on 2 loaded CPUs one can take over a minute.
jest.setTimeout(180_000);

describe('the migration CLI as processes (typeorm migration:* and migration:check through ts-node)', () => {
  let db: TestDatabase;
  let dir: MigrationDir;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    dir = await migrationDir();
    env = { ...db.env, ...dir.env };
  });
  afterEach(async () => {
    await db.drop();
    await dir.cleanup();
  });

  it('five `migration:run` processes started together: all exit 0, each migration applied and recorded once', async () => {
    const runs = [1, 2, 3, 4, 5].map(() => typeormCli('migration:run', ORMCONFIG, db.env));
    const results = await Promise.all(runs.map(finished));
    for (const result of results) expect(result).toMatchObject({ code: 0 });
    await expectAppliedOnceByOne(
      db.url,
      results.map((r) => r.output),
    );
  });

  it('kill -9 of the process holding the lock: others are told who holds it, and the next run proceeds', async () => {
    await queryDb(db.url, `CREATE TABLE sleep_control (seconds float NOT NULL); INSERT INTO sleep_control VALUES (20)`);
    await dir.write(
      'Sleeper',
      1800000000100,
      `CREATE TABLE sleeper (id int); SELECT pg_sleep((SELECT max(seconds) FROM sleep_control))`,
      `DROP TABLE sleeper`,
    );
    const holder = typeormCli('migration:run', FIXTURE_DATA_SOURCE, { ...env, DB_APPLICATION_NAME: 'holder-a' });
    await holder.printed(/applying Sleeper1800000000100/);

    const impatient = await finished(
      typeormCli('migration:run', FIXTURE_DATA_SOURCE, { ...env, DB_MIGRATIONS_LOCK_TIMEOUT_MS: '1500' }),
    );
    expect(impatient.code).toBe(1);
    expect(impatient.output).toMatch(
      /gave up waiting for the migration lock after \d+ ms: held by pid \d+ \(application "holder-a", .*connected since/,
    );

    holder.child.kill('SIGKILL');
    expect(await holder.exited()).toBe('SIGKILL');
    await queryDb(db.url, `UPDATE sleep_control SET seconds = 0`);
    const next = await finished(typeormCli('migration:run', FIXTURE_DATA_SOURCE, env));
    expect(next).toMatchObject({ code: 0, output: expect.stringMatching(/applied Sleeper1800000000100 in \d+ ms/) });
    expect(await appliedCounts(db.url)).toEqual({ Sleeper1800000000100: 1 });
  });

  describe('migration:check exits with a distinct code for each finding', () => {
    it('10 while migrations are pending, 0 once applied, 14 with the fixing SQL when entities drift', async () => {
      const pending = await finished(checkCli(ORMCONFIG, db.env));
      expect(pending).toMatchObject({
        code: 10,
        output: expect.stringContaining(`PENDING: ${N} migration(s) to apply: ${APP_MIGRATION_NAMES.join(', ')}`),
      });

      expect(await finished(typeormCli('migration:run', ORMCONFIG, db.env))).toMatchObject({ code: 0 });
      const ok = await finished(checkCli(ORMCONFIG, db.env));
      expect(ok).toMatchObject({
        code: 0,
        output: expect.stringContaining(`OK: ${N} migration(s) applied, none pending`),
      });

      await queryDb(db.url, `ALTER TABLE users DROP COLUMN display_name`);
      const drift = await finished(checkCli(ORMCONFIG, db.env));
      expect(drift.code).toBe(14);
      expect(drift.output).toContain('DRIFT: the entities differ from the migrated schema');
      expect(drift.output).toContain(`ALTER TABLE "users" ADD "display_name" character varying(200) NOT NULL;`);
    });

    it('12 for an edited applied migration, which migration:run refuses before any DDL until migration:repair', async () => {
      const alpha = await dir.write('Alpha', 1800000000001, `CREATE TABLE alpha (id int)`, `DROP TABLE alpha`);
      expect(await finished(typeormCli('migration:run', FIXTURE_DATA_SOURCE, env))).toMatchObject({ code: 0 });
      await dir.write('Alpha', 1800000000001, `CREATE TABLE alpha (id bigint)`, `DROP TABLE alpha`);
      await dir.write('Beta', 1800000000002, `CREATE TABLE beta (id int)`, `DROP TABLE beta`);

      const refused = await finished(typeormCli('migration:run', FIXTURE_DATA_SOURCE, env));
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(`refusing to migrate: applied migration(s) ${alpha} changed since they ran`);
      expect(await tableExists(db.url, 'beta')).toBe(false);

      const edited = await finished(checkCli(FIXTURE_DATA_SOURCE, env));
      expect(edited).toMatchObject({
        code: 12,
        output: expect.stringContaining(`EDITED: applied migration ${alpha} changed`),
      });

      const repaired = await finished(repairCli(FIXTURE_DATA_SOURCE, [alpha], env));
      expect(repaired).toMatchObject({
        code: 0,
        output: expect.stringContaining(`accepted the edited code of ${alpha}`),
      });
      const run = await finished(typeormCli('migration:run', FIXTURE_DATA_SOURCE, env));
      expect(run).toMatchObject({ code: 0, output: expect.stringContaining('applied 1 migration(s)') });
      expect(await tableExists(db.url, 'beta')).toBe(true);
    });

    it('13 for an applied migration missing from the code, 11 for a pending one older than the newest applied', async () => {
      await dir.write('Alpha', 1800000000001, `CREATE TABLE alpha (id int)`, `DROP TABLE alpha`);
      const gamma = await dir.write('Gamma', 1800000000003, `CREATE TABLE gamma (id int)`, `DROP TABLE gamma`);
      expect(await finished(typeormCli('migration:run', FIXTURE_DATA_SOURCE, env))).toMatchObject({ code: 0 });

      const beta = await dir.write('Beta', 1800000000002, `CREATE TABLE beta (id int)`, `DROP TABLE beta`);
      const outOfOrder = await finished(checkCli(FIXTURE_DATA_SOURCE, env));
      expect(outOfOrder).toMatchObject({
        code: 11,
        output: expect.stringContaining(`OUT OF ORDER: pending migration ${beta} is older than the newest applied one`),
      });

      await dir.remove('Gamma', 1800000000003);
      const missing = await finished(checkCli(FIXTURE_DATA_SOURCE, env));
      expect(missing).toMatchObject({
        code: 13,
        output: expect.stringContaining(`MISSING: applied migration ${gamma} (id 2) is not in the code`),
      });
    });
  });

  describe('what the commands print besides their report', () => {
    it('no DEBUG line without LOG_LEVEL=debug (migration:run, migration:show, migration:check); with it, TypeORM detail', async () => {
      const quiet = [
        await finished(typeormCli('migration:run', ORMCONFIG, db.env)),
        await finished(typeormCli('migration:show', ORMCONFIG, db.env)),
        await finished(checkCli(ORMCONFIG, db.env)),
      ];
      for (const run of quiet) {
        expect(run.code).toBe(0);
        expect(run.output).not.toMatch(/DEBUG|All classes found/);
      }
      expect(quiet[1].output).toContain(`[X] 1 ${APP_MIGRATION_NAMES[0]}`);

      const verbose = await finished(checkCli(ORMCONFIG, { ...db.env, LOG_LEVEL: 'debug' }));
      expect(verbose).toMatchObject({
        code: 0,
        output: expect.stringMatching(/DEBUG \[Database\] All classes found using provided glob pattern/),
      });
    });

    it('without DATABASE_URL the configuration error is all they print, exit 1: no stack, no "Unable to open file"', async () => {
      const expected = `${configError(() => appDataSourceOptions({})).message}\n`;
      expect(expected).toMatch(/^Invalid database configuration:\n {2}- DATABASE_URL: must be set/);
      const runs = await Promise.all([
        finished(typeormCli('migration:show', ORMCONFIG, {})),
        finished(typeormCli('migration:run', ORMCONFIG, {})),
        finished(checkCli(ORMCONFIG, {})),
        // A data-source file that lets the error propagate: the package's CLI unwraps TypeORM's wrapper.
        finished(checkCli(FIXTURE_DATA_SOURCE, dir.env)),
      ]);
      for (const run of runs) expect(run).toEqual({ code: 1, output: expected });
    });
  });
});
