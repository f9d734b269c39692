import { Inject, Injectable, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { getDataSourceToken, InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource, Repository } from 'typeorm';
import { appDataSourceOptions } from '../src/app.data-source';
import {
  DATABASE_MODULE_OPTIONS,
  DatabaseModule,
  DatabaseModuleOptions,
  DatabaseOptionsFactory,
  DatabaseService,
} from '../src/database';
import { User } from '../src/entities';
import { pollUntil } from './support/health-client';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** A service in a feature module that imports nothing from the database module. */
@Injectable()
class Probe {
  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    readonly plainDataSource: DataSource,
    @Inject(DATABASE_MODULE_OPTIONS) readonly options: DatabaseModuleOptions,
  ) {}
}

@Module({ providers: [Probe], exports: [Probe] })
class FeatureWithoutImports {}

/** A feature module that registers its repositories with forFeature. */
@Injectable()
class UserReader {
  constructor(@InjectRepository(User) readonly users: Repository<User>) {}
}

@Module({ imports: [DatabaseModule.forFeature([User])], providers: [UserReader], exports: [UserReader] })
class UsersFeature {}

@Injectable()
class OptionsFromClass implements DatabaseOptionsFactory {
  static env: NodeJS.ProcessEnv = {};
  createDatabaseOptions(): DatabaseModuleOptions {
    return { ...appDataSourceOptions(OptionsFromClass.env), applicationName: 'from-class' };
  }
}

@Module({ providers: [OptionsFromClass], exports: [OptionsFromClass] })
class ConfigModule {}

describe('DatabaseModule registration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    OptionsFromClass.env = db.env;
  });
  afterAll(() => db?.drop());

  const styles: Array<[string, () => ReturnType<typeof DatabaseModule.forRoot>]> = [
    ['forRoot', () => DatabaseModule.forRoot({ ...appDataSourceOptions(db.env), applicationName: 'from-root' })],
    [
      'forRootAsync useFactory',
      () =>
        DatabaseModule.forRootAsync({
          imports: [ConfigModule],
          inject: [OptionsFromClass],
          useFactory: (c: OptionsFromClass) => ({ ...c.createDatabaseOptions(), applicationName: 'from-factory' }),
        }),
    ],
    ['forRootAsync useClass', () => DatabaseModule.forRootAsync({ useClass: OptionsFromClass })],
    [
      'forRootAsync useExisting',
      () => DatabaseModule.forRootAsync({ imports: [ConfigModule], useExisting: OptionsFromClass }),
    ],
  ];

  describe.each(styles)('%s', (_style, register) => {
    let moduleRef: TestingModule;
    beforeAll(async () => {
      moduleRef = await Test.createTestingModule({
        imports: [register(), FeatureWithoutImports, UsersFeature],
      }).compile();
      await moduleRef.init();
    });
    afterAll(() => moduleRef?.close());

    it('connects the DataSource to the configured database', async () => {
      const dataSource = moduleRef.get<DataSource>(getDataSourceToken());
      expect(dataSource.isInitialized).toBe(true);
      const [{ current_database: name }] = await dataSource.query('SELECT current_database()');
      expect(name).toBe(db.name);
    });

    it('sets application_name and the server-side timeouts on every connection', async () => {
      const dataSource = moduleRef.get(DataSource);
      const options = moduleRef.get<DatabaseModuleOptions>(DATABASE_MODULE_OPTIONS);
      const [row] = await dataSource.query(
        `SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS st,
                current_setting('idle_in_transaction_session_timeout') AS iit`,
      );
      expect(row).toEqual({ app: options.applicationName, st: '30s', iit: '1min' });
    });

    it('is global: a module that imports nothing gets the DataSource injected', () => {
      const probe = moduleRef.get(Probe);
      expect(probe.dataSource).toBe(moduleRef.get(DataSource));
      expect(probe.plainDataSource).toBe(probe.dataSource);
      expect(probe.options).toBe(moduleRef.get(DATABASE_MODULE_OPTIONS));
      expect(probe.options.database).toBe(db.name);
    });

    it('forFeature repositories read and write the database', async () => {
      const { users } = moduleRef.get(UserReader);
      const saved = await users.save(
        users.create({ email: `${_style.replace(/\W/g, '')}@example.com`, displayName: 'R' }),
      );
      const [row] = await moduleRef.get(DataSource).query('SELECT email FROM users WHERE id = $1', [saved.id]);
      expect(row.email).toBe(saved.email);
    });
  });

  it('rejects forRootAsync without a factory, class or existing provider', () => {
    expect(() => DatabaseModule.forRootAsync({})).toThrow(/useFactory, useClass or useExisting/);
  });

  it('survives the server terminating an idle pooled connection (no process crash)', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DatabaseModule.forRoot({ ...appDataSourceOptions(db.env), applicationName: 'idle-victim' })],
    }).compile();
    await moduleRef.init();
    const dataSource = moduleRef.get(DataSource);
    const crashes: unknown[] = [];
    const onUncaught = (e: unknown) => crashes.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const stats = () => moduleRef.get(DatabaseService).getStats().pool;
      await dataSource.query('SELECT 1'); // leaves one idle client in the pool
      expect(stats()).toMatchObject({ total: 1, idle: 1 });
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'idle-victim' AND datname = current_database()`,
      );
      await admin.end();
      expect(killed.rowCount).toBe(1);
      // The pool drops the idle client when its 'error' event arrives: the event that, unhandled,
      // would crash the process. Waiting for the drop (not for a fixed time) means the event came.
      await pollUntil(
        async () => stats(),
        (pool) => pool.total === 0,
        { intervalMs: 10 },
      );
      expect(crashes).toEqual([]);
      // The next statement gets a new connection, not the dead one.
      const [{ ok }] = await dataSource.query('SELECT 1 AS ok');
      expect(ok).toBe(1);
      expect(stats()).toMatchObject({ total: 1, idle: 1 });
      expect(crashes).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await moduleRef.close();
    }
  });
});
