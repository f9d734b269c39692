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
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../src/database/database.constants';
import { DatabaseConnection } from '../src/database/startup/database-connection';
import { errorResponse } from '../src/database/errors/database-exception.filter';
import { findFreePort } from '../src/database/embedded/free-port';
import { Task } from '../src/entities';
import { pollUntil } from './support/health-client';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** Background attempts' backoff in these tests: the first delay and the cap (±20% jitter on top). */
const RETRY_DELAY_MS = 50;
const RETRY_MAX_DELAY_MS = 100;
/** The longest wait before the next attempt: the cap plus its jitter. */
const LONGEST_DELAY_MS = RETRY_MAX_DELAY_MS * 1.2;
/** The app's connect timeout (`appDataSourceOptions`' default): bound on one refused attempt. */
const CONNECT_TIMEOUT_MS = DEFAULT_CONNECT_TIMEOUT_MS;
/**
 * How long the test waits for the next background attempt: three delays and attempts' worth, plus
 * 10 s for a loaded 2-core machine. Only a background loop that stopped would take that long.
 */
const NEXT_ATTEMPT_BOUND_MS = 3 * (LONGEST_DELAY_MS + CONNECT_TIMEOUT_MS) + 10_000;

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
      connectRetryDelayMs: RETRY_DELAY_MS,
      connectRetryMaxDelayMs: RETRY_MAX_DELAY_MS,
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
      // it keeps trying in the background: another attempt comes, however long the machine takes
      const later = await pollUntil(
        async () => moduleRef.get(DatabaseService).getStats().connection,
        (state) => state.attempts > connection.attempts,
        { timeoutMs: NEXT_ATTEMPT_BOUND_MS, intervalMs: 10 },
      );
      expect(later).toMatchObject({ phase: 'connecting', lastFailure: { code: 'ECONNREFUSED' } });
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
    expect(after).toMatchObject({ phase: 'closed', nextAttemptInMs: undefined }); // no attempt scheduled
    // A retry timer left running was set before close() and fires within LONGEST_DELAY_MS of being
    // set; Node runs timers in the order they expire, so it would run before this one, however slow
    // the machine. No attempt after it means none was left.
    await new Promise((resolve) => setTimeout(resolve, 2 * LONGEST_DELAY_MS));
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
