import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { appDatabaseModuleOptions } from '../../src/app.data-source';
import {
  DatabaseModule,
  DatabaseModuleOptions,
  getRepositoryServiceToken,
  RepositoryService,
} from '../../src/database';
import { Task, TaskExecution, User } from '../../src/entities';
import { createTestDatabase, TestDatabase } from './test-database';

/** The module with the example entities' repository services, on a fresh database. */
export interface RepositoryFixture {
  moduleRef: TestingModule;
  db: TestDatabase;
  dataSource: DataSource;
  users: RepositoryService<User>;
  tasks: RepositoryService<Task>;
  executions: RepositoryService<TaskExecution>;
  /** Rows of a raw SQL query, to read the database back. */
  sql<R = any>(text: string, values?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/**
 * Starts the fixture; `env` adds configuration (e.g. `DB_PREPARED_STATEMENTS=false`), `options`
 * overrides module options (e.g. `{ audit: undefined }`: the app's are audited).
 */
export async function repositoryFixture(
  env: NodeJS.ProcessEnv = {},
  options: Partial<DatabaseModuleOptions> = {},
): Promise<RepositoryFixture> {
  const db = await createTestDatabase();
  const moduleRef = await Test.createTestingModule({
    imports: [
      DatabaseModule.forRoot({ ...appDatabaseModuleOptions({ ...db.env, ...env }), ...options }),
      DatabaseModule.forFeature([User, Task, TaskExecution]),
    ],
  }).compile();
  await moduleRef.init();
  const dataSource = moduleRef.get(DataSource);
  return {
    moduleRef,
    db,
    dataSource,
    users: moduleRef.get(getRepositoryServiceToken(User)),
    tasks: moduleRef.get(getRepositoryServiceToken(Task)),
    executions: moduleRef.get(getRepositoryServiceToken(TaskExecution)),
    sql: (text, values) => dataSource.query(text, values),
    close: async () => {
      await moduleRef.close();
      await db.drop();
    },
  };
}

/** Counts the statements sent through the DataSource's pool while `fn` runs. */
export async function countStatements(dataSource: DataSource, fn: () => Promise<unknown>): Promise<string[]> {
  const pool = (dataSource.driver as unknown as { master: { query: (...a: any[]) => any } }).master;
  const original = pool.query;
  const seen: string[] = [];
  pool.query = function (this: unknown, ...args: any[]) {
    seen.push(typeof args[0] === 'string' ? args[0] : args[0].text);
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    pool.query = original;
  }
  return seen;
}
