import { Injectable, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { appDataSourceOptions } from '../src/app.data-source';
import {
  DatabaseModule,
  DatabaseModuleOptions,
  DatabaseService,
  DatabaseUnavailableError,
  getRepositoryServiceToken,
  RepositoryService,
} from '../src/database';
import { DatabaseConnection } from '../src/database/startup/database-connection';
import { errorResponse } from '../src/database/errors/database-exception.filter';
import { findFreePort } from '../src/database/embedded/free-port';
import { Task } from '../src/entities';
import { createTestDatabase, TestDatabase } from './support/test-database';

@Injectable()
class TaskReader {
  constructor(@InjectRepository(Task) readonly tasks: Repository<Task>) {}
}

function moduleWith(options: DatabaseModuleOptions) {
  @Module({ imports: [DatabaseModule.forFeature([Task])], providers: [TaskReader], exports: [TaskReader] })
  class TasksFeature {}
  return Test.createTestingModule({ imports: [DatabaseModule.forRoot(options), TasksFeature] }).compile();
}

describe('degraded start (in process)', () => {
  let unreachable: DatabaseModuleOptions;

  beforeAll(async () => {
    const port = await findFreePort(); // nothing listens there
    unreachable = {
      ...appDataSourceOptions({ DATABASE_URL: `postgres://app:secret-password@127.0.0.1:${port}/app` }),
      requireAtStartup: false,
      connectRetryDelayMs: 50,
      connectRetryMaxDelayMs: 100,
    };
  });

  describe('with the database unreachable', () => {
    let moduleRef: TestingModule;
    beforeAll(async () => {
      moduleRef = await moduleWith(unreachable);
      await moduleRef.init();
    });
    afterAll(() => moduleRef?.close());

    it('starts, and says it is still connecting and why', async () => {
      const { connection } = moduleRef.get(DatabaseService).getStats();
      expect(connection).toMatchObject({
        phase: 'connecting',
        lastFailure: { cause: 'connection refused (no server listening)', code: 'ECONNREFUSED' },
      });
      expect(connection.attempts).toBeGreaterThanOrEqual(1);
      // it keeps trying in the background
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(moduleRef.get(DatabaseService).getStats().connection.attempts).toBeGreaterThan(connection.attempts);
      expect(moduleRef.get(DatabaseService).getStats().pool).toMatchObject({ total: 0, max: 10, saturated: false });
    });

    it('fails every kind of database work at once with DatabaseUnavailableError (503), without retrying', async () => {
      const db = moduleRef.get(DatabaseService);
      await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(db.transaction(async () => db.query('SELECT 1'))).rejects.toThrow(
        /the database is unavailable: not connected yet \(connection refused/,
      );
      expect(db.getStats().transactions.retries).toBe(0);
      const tasks = moduleRef.get<RepositoryService<Task>>(getRepositoryServiceToken(Task));
      await expect(tasks.findById('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(
        DatabaseUnavailableError,
      );
      // TypeORM's own repositories fail too, and the HTTP filter maps that to 503, not 500.
      const failure = await moduleRef
        .get(TaskReader)
        .tasks.find()
        .catch((e: unknown) => e);
      expect(errorResponse(failure)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    });
  });

  it('stops trying when the application closes, and closes nothing twice', async () => {
    const moduleRef = await moduleWith(unreachable);
    await moduleRef.init();
    const connection = moduleRef.get(DatabaseConnection);
    await moduleRef.close();
    const after = connection.state;
    expect(after.phase).toBe('closed');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(connection.state.attempts).toBe(after.attempts);
  });

  describe('against a real server', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(() => db?.drop());

    it('still fails startup on a failure no retry fixes (wrong password), naming the cause', async () => {
      const url = new URL(db.url);
      url.password = 'not-the-password';
      const options = { ...appDataSourceOptions({ DATABASE_URL: url.toString() }), requireAtStartup: false };
      await expect(moduleWith(options)).rejects.toMatchObject({ code: '28P01' });
    });

    it('is ready at once when the database answers at startup', async () => {
      const moduleRef = await moduleWith({ ...appDataSourceOptions(db.env), requireAtStartup: false });
      try {
        expect(moduleRef.get(DatabaseService).getStats().connection).toMatchObject({ phase: 'ready', attempts: 1 });
        expect(await moduleRef.get(DatabaseService).query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      } finally {
        await moduleRef.close();
      }
    });
  });
});
