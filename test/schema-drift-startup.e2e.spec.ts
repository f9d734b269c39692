import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import {
  buildDatabaseModuleOptions,
  DatabaseModule,
  DatabaseModuleOptions,
  DatabaseService,
  MigrationGuardError,
} from '../src/database';
import {
  AddDriftItemsNote1810000000002,
  CreateDriftItems1810000000001,
  DriftItem,
  DriftItemWithColor,
} from './fixtures/drift-fixtures';
import { startAppProcess } from './support/app-process';
import { finished, queryDb } from './support/migration-process';
import { createTestDatabase, TestDatabase } from './support/test-database';

const ADD_COLOR = `ALTER TABLE "drift_items" ADD "color" character varying(20);`;

describe('DB_FAIL_ON_SCHEMA_DRIFT: refuse to serve when the entities differ from the schema', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
  });
  afterEach(() => db.drop());

  function options(entities: Function[], env: NodeJS.ProcessEnv = {}, extra: Partial<DatabaseModuleOptions> = {}) {
    return {
      ...buildDatabaseModuleOptions({ ...db.env, DB_MIGRATIONS_RUN: 'true', DB_APPLICATION_NAME: 'drift-app', ...env }),
      entities,
      migrations: [CreateDriftItems1810000000001, AddDriftItemsNote1810000000002],
      migrationGuard: { logger: { log: () => undefined, warn: () => undefined, error: () => undefined } },
      ...extra,
    };
  }
  const compile = (o: DatabaseModuleOptions) =>
    Test.createTestingModule({ imports: [DatabaseModule.forRoot(o)] }).compile();
  const sessions = async () =>
    (
      await queryDb(
        db.url,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'drift-app' AND datname = current_database()`,
      )
    )[0].n;

  it.each([
    ['required at startup', true],
    ['degraded start allowed (never retried)', false],
  ])(
    'an entity with a column the schema lacks: startup fails naming the SQL and the variable (%s)',
    async (_label, requireAtStartup) => {
      const error = await compile(
        options([DriftItemWithColor], { DB_FAIL_ON_SCHEMA_DRIFT: 'true' }, { requireAtStartup }),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationGuardError);
      expect(error).toMatchObject({ reason: 'schema-drift' });
      expect((error as Error).message).toBe(
        'refusing to serve: the entities differ from the database schema (DB_FAIL_ON_SCHEMA_DRIFT=true). This SQL ' +
          `would make the schema match them: ${ADD_COLOR} Add a migration with it (npx typeorm migration:generate ` +
          '-d <your data-source file> <path/Name>) and apply it, or unset DB_FAIL_ON_SCHEMA_DRIFT to serve anyway.',
      );
      // the startup migrations ran, and nothing stays open
      expect(await queryDb(db.url, `SELECT count(*)::int AS n FROM migrations`)).toEqual([{ n: 2 }]);
      expect(await sessions()).toBe(0);
    },
  );

  it('the same entity without the variable: starts and serves (off by default)', async () => {
    const moduleRef = await compile(options([DriftItemWithColor]));
    try {
      expect(moduleRef.get(DatabaseService).getStats().connection.phase).toBe('ready');
      expect(await moduleRef.get(DatabaseService).query('SELECT count(*)::int AS n FROM drift_items')).toEqual([
        { n: 0 },
      ]);
    } finally {
      await moduleRef.close();
    }
  });

  it('entities that match the schema, with the variable: starts', async () => {
    const moduleRef = await compile(options([DriftItem], { DB_FAIL_ON_SCHEMA_DRIFT: 'true' }));
    try {
      expect(moduleRef.get(DatabaseService).getStats().connection.phase).toBe('ready');
    } finally {
      await moduleRef.close();
    }
  });

  it('the app as a process, a column dropped from its schema: exits 1 with the message and the SQL', async () => {
    const migrated = await createTestDatabase();
    const cwd = await mkdtemp(join(tmpdir(), 'nest-pg-drift-'));
    try {
      await queryDb(migrated.url, `ALTER TABLE users DROP COLUMN display_name`);
      const app = startAppProcess(cwd, { ...migrated.env, DB_FAIL_ON_SCHEMA_DRIFT: 'true' });
      const { code, output } = await finished(app);
      expect(code).toBe(1);
      expect(output).toMatch(
        /startup failed: refusing to serve: the entities differ from the database schema \(DB_FAIL_ON_SCHEMA_DRIFT=true\)\. This SQL would make the schema match them: ALTER TABLE "users" ADD "display_name" character varying\(200\) NOT NULL;/,
      );
      expect(output).not.toMatch(/listening on/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
      await migrated.drop();
    }
  });
});
