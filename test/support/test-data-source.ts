import { DataSource } from 'typeorm';
import { appDataSourceOptions } from '../../src/app.data-source';
import { TestDatabase } from './test-database';

/** An initialised DataSource on `db` with the application's options, without Nest. */
export async function openDataSource(db: TestDatabase, overrides: NodeJS.ProcessEnv = {}): Promise<DataSource> {
  const dataSource = new DataSource(appDataSourceOptions({ ...db.env, ...overrides }));
  return dataSource.initialize();
}
