import {
  Catch,
  Controller,
  ExceptionFilter,
  ArgumentsHost,
  ForbiddenException,
  Get,
  INestApplication,
  Injectable,
  Logger,
  Module,
  ModuleMetadata,
  OnModuleInit,
  Post,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { DataSource, Repository } from 'typeorm';
import { appDataSourceOptions } from '../src/app.data-source';
import { DatabaseModule } from '../src/database/database.module';
import { DatabaseExceptionFilter } from '../src/database/errors/database-exception.filter';
import { DatabaseWiringError } from '../src/database/errors/database-wiring.error';
import { EntityNotFoundError } from '../src/database/errors/entity-not-found.error';
import { RepositoryService } from '../src/database/repository/repository.service';
import { InjectRepositoryService } from '../src/database/repository/repository.tokens';
import { TransactionRolledBackError } from '../src/database/transactions/transaction.errors';
import { Transactional } from '../src/database/transactions/transactional.decorator';
import { SystemConfig, User } from '../src/entities';
import { createTestDatabase, TestDatabase } from './support/test-database';

const FIX = /needs DatabaseModule\.forRoot\(\) or DatabaseModule\.forRootAsync\(\) in the application's root module/;

@Injectable()
class Signups {
  constructor(@InjectRepositoryService(User) readonly users: RepositoryService<User>) {}
}

@Module({ imports: [DatabaseModule.forFeature([User])], providers: [Signups] })
class SignupsModule {}

/** A provider with its own onModuleInit and two @Transactional() methods, writing through TypeORM's repository. */
@Injectable()
class Settings implements OnModuleInit {
  initialised = 0;
  constructor(@InjectRepository(SystemConfig) readonly config: Repository<SystemConfig>) {}

  onModuleInit(): void {
    this.initialised++;
  }

  @Transactional()
  async put(key: string, fail = false): Promise<void> {
    await this.config.save({ key, value: 'v' });
    if (fail) throw new Error('rejected after the write');
  }

  @Transactional()
  async drop(key: string): Promise<void> {
    await this.config.delete({ key });
  }
}

@Module({ imports: [TypeOrmModule.forFeature([SystemConfig])], providers: [Settings] })
class SettingsModule {}

/** The same class, built by a factory: Nest injects nothing into it. */
class FactoryBuilt {
  constructor(readonly config: Repository<SystemConfig>) {}

  @Transactional()
  async put(key: string, fail: boolean): Promise<void> {
    await this.config.save({ key, value: 'f' });
    if (fail) throw new Error('rejected after the write');
  }
}

/** An error of the application's own, with its own filter. */
class PaymentDeclined extends Error {}

@Catch(PaymentDeclined)
class PaymentDeclinedFilter implements ExceptionFilter {
  catch(_error: PaymentDeclined, host: ArgumentsHost): void {
    host.switchToHttp().getResponse().status(402).json({ declined: true });
  }
}

@Controller('things')
class ThingsController {
  constructor(@InjectRepositoryService(User) private readonly users: RepositoryService<User>) {}

  @Get('missing')
  missing(): never {
    throw EntityNotFoundError.byId('User', 'u-1');
  }

  @Post('duplicate')
  async duplicate(): Promise<void> {
    const email = `dup-${Date.now()}-${Math.random()}@example.com`;
    await this.users.create({ email, displayName: 'First' });
    await this.users.create({ email, displayName: 'Second' });
  }

  @Get('forbidden')
  forbidden(): never {
    throw new ForbiddenException();
  }

  @Get('declined')
  declined(): never {
    throw new PaymentDeclined('card declined');
  }

  @Get('rolled-back')
  rolledBack(): never {
    throw TransactionRolledBackError.innerFailure(undefined);
  }
}

@Module({ imports: [DatabaseModule.forFeature([User])], controllers: [ThingsController] })
class ThingsModule {}

/** The error of building and initialising a module with `metadata` (closed again if it started). */
async function startupError(metadata: ModuleMetadata): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule(metadata).compile();
    try {
      await moduleRef.init();
    } catch (error) {
      await moduleRef.close();
      return error;
    }
    await moduleRef.close();
  } catch (error) {
    return error;
  }
  throw new Error('started without an error');
}

describe('wiring errors and typed errors over HTTP', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    Logger.overrideLogger(process.env.TEST_LOG ? ['error', 'warn', 'log'] : false);
  });
  afterAll(() => db?.drop());

  describe('without DatabaseModule.forRoot*, startup fails naming the fix', () => {
    // The DataSources TypeOrmModule opened, closed after each test (a failed compile closes nothing).
    const opened: DataSource[] = [];
    const typeOrmRoot = () =>
      TypeOrmModule.forRootAsync({
        useFactory: () => appDataSourceOptions(db.env),
        dataSourceFactory: async (options) => {
          const dataSource = await new DataSource(options!).initialize();
          opened.push(dataSource);
          return dataSource;
        },
      });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((d) => (d.isInitialized ? d.destroy() : undefined)));
    });

    it('a RepositoryService under TypeOrmModule.forRoot alone', async () => {
      const error = await startupError({ imports: [typeOrmRoot(), SignupsModule] });
      expect(error).toBeInstanceOf(DatabaseWiringError);
      expect((error as Error).message).toMatch(FIX);
      expect((error as Error).message).toMatch(
        /^RepositoryService\(User\) needs .*found TypeOrmModule\.forRoot without it/,
      );
      expect(opened).toHaveLength(1); // TypeORM's own DataSource did start: only the module was missing
    });

    it('DatabaseModule.forFeature with no database module at all', async () => {
      const error = await startupError({ imports: [SignupsModule] });
      expect(error).toBeInstanceOf(DatabaseWiringError);
      expect((error as Error).message).toMatch(FIX);
      // Whichever of the feature's providers Nest builds first: TypeORM's repository or the RepositoryService.
      expect((error as Error).message).toMatch(
        /^(RepositoryService\(User\)|Repository<User> \(DatabaseModule\.forFeature\)) needs /,
      );
      expect((error as Error).message).toMatch(
        /found no DataSource: DatabaseModule\.forFeature\(\) only registers repositories/,
      );
    });

    it('a provider with @Transactional() methods under TypeOrmModule.forRoot alone fails at init, naming them', async () => {
      const error = await startupError({ imports: [typeOrmRoot(), SettingsModule] });
      expect(error).toBeInstanceOf(DatabaseWiringError);
      expect((error as Error).message).toMatch(FIX);
      expect((error as Error).message).toMatch(
        /^Settings\.put\(\), Settings\.drop\(\) use @Transactional\(\), which needs .*found TypeOrmModule\.forRoot without it/,
      );
    });

    it('a @Transactional() method on an object Nest did not build fails when called, naming it', async () => {
      const plain = new FactoryBuilt(undefined as unknown as Repository<SystemConfig>);
      const error = await plain.put('k', false).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseWiringError);
      expect((error as Error).message).toMatch(
        /^FactoryBuilt\.put\(\) uses @Transactional\(\), which needs DatabaseModule\.forRoot\(\)/,
      );
    });
  });

  describe('with DatabaseModule.forRoot, @Transactional() providers start and run', () => {
    let app: INestApplication;
    let dataSource: DataSource;
    const keys = async (prefix: string) =>
      (await dataSource.query('SELECT key FROM system_config WHERE key LIKE $1 ORDER BY key', [`${prefix}%`])).map(
        (r: { key: string }) => r.key,
      );

    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [DatabaseModule.forRoot(appDataSourceOptions(db.env)), SettingsModule],
        providers: [
          {
            provide: FactoryBuilt,
            inject: [DataSource],
            useFactory: (d: DataSource) => new FactoryBuilt(d.getRepository(SystemConfig)),
          },
        ],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      dataSource = app.get(DataSource);
    });
    afterAll(() => app?.close());

    it("the provider's own onModuleInit still runs, once", () => {
      expect(app.get(Settings).initialised).toBe(1);
    });

    it('commits, and rolls back on failure (read back)', async () => {
      const settings = app.get(Settings);
      await settings.put('wired-ok');
      await expect(settings.put('wired-failed', true)).rejects.toThrow('rejected after the write');
      expect(await keys('wired-')).toEqual(['wired-ok']);
    });

    it('an instance a factory built is not refused at startup, and uses the running application', async () => {
      const built = app.get(FactoryBuilt);
      await built.put('factory-ok', false);
      await expect(built.put('factory-failed', true)).rejects.toThrow('rejected after the write');
      expect(await keys('factory-')).toEqual(['factory-ok']);
    });
  });

  describe('typed errors over HTTP', () => {
    async function startHttp(
      root: ModuleMetadata['imports'],
      configure: (app: INestApplication) => void = () => {},
    ): Promise<INestApplication> {
      const moduleRef = await Test.createTestingModule({ imports: [...(root ?? []), ThingsModule] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      configure(app);
      await app.init();
      return app;
    }

    describe('the exceptionFilter option on (the default)', () => {
      let app: INestApplication;
      beforeAll(async () => {
        app = await startHttp([DatabaseModule.forRoot(appDataSourceOptions(db.env))], (a) =>
          a.useGlobalFilters(new PaymentDeclinedFilter()),
        );
      });
      afterAll(() => app?.close());

      it('EntityNotFoundError → 404', async () => {
        const res = await request(app.getHttpServer()).get('/things/missing');
        expect(res.status).toBe(404);
        expect(res.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: 'User u-1 was not found',
          fields: ['id'],
        });
      });

      it('a real unique violation through RepositoryService → 409, and the first row stays', async () => {
        const before = Number((await app.get(DataSource).query('SELECT count(*)::int AS n FROM users'))[0].n);
        const res = await request(app.getHttpServer()).post('/things/duplicate');
        expect(res.status).toBe(409);
        expect(res.body).toEqual({
          statusCode: 409,
          error: 'Conflict',
          message: 'another User already has the same email',
          fields: ['email'],
        });
        expect(Number((await app.get(DataSource).query('SELECT count(*)::int AS n FROM users'))[0].n)).toBe(before + 1);
      });

      it("an HttpException, the app's own error and an unmapped typed error keep Nest's and the app's behaviour", async () => {
        const server = app.getHttpServer();
        const forbidden = await request(server).get('/things/forbidden');
        expect([forbidden.status, forbidden.body]).toEqual([403, { statusCode: 403, message: 'Forbidden' }]);
        const declined = await request(server).get('/things/declined');
        expect([declined.status, declined.body]).toEqual([402, { declined: true }]);
        const rolledBack = await request(server).get('/things/rolled-back');
        expect([rolledBack.status, rolledBack.body]).toEqual([
          500,
          { statusCode: 500, message: 'Internal server error' },
        ]);
      });
    });

    describe('the exceptionFilter option off', () => {
      const off = () =>
        DatabaseModule.forRootAsync({
          useFactory: () => ({ ...appDataSourceOptions(db.env), exceptionFilter: false }),
        });

      it("typed errors are not mapped: Nest's default 500", async () => {
        const app = await startHttp([off()]);
        try {
          const res = await request(app.getHttpServer()).get('/things/missing');
          expect([res.status, res.body]).toEqual([500, { statusCode: 500, message: 'Internal server error' }]);
        } finally {
          await app.close();
        }
      });

      it('app.useGlobalFilters(new DatabaseExceptionFilter()) maps them, and formats every other error too', async () => {
        const app = await startHttp([off()], (a) => a.useGlobalFilters(new DatabaseExceptionFilter()));
        try {
          const server = app.getHttpServer();
          const missing = await request(server).get('/things/missing');
          expect([missing.status, missing.body.message]).toEqual([404, 'User u-1 was not found']);
          const forbidden = await request(server).get('/things/forbidden');
          expect([forbidden.status, forbidden.body]).toEqual([
            403,
            { statusCode: 403, error: 'Forbidden', message: 'Forbidden' },
          ]);
          const declined = await request(server).get('/things/declined');
          expect([declined.status, declined.body]).toEqual([
            500,
            { statusCode: 500, error: 'Internal Server Error', message: 'internal error' },
          ]);
        } finally {
          await app.close();
        }
      });
    });
  });
});
