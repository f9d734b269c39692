import { randomBytes } from 'node:crypto';
import { databaseUrl, withAdminClient } from './admin-client';
import { testingServer } from './testing-env';

/** Options of {@link createTestDatabase}. */
export interface CreateTestDatabaseOptions {
  /** `false` for an empty database (a copy of `template0`) instead of the migrated template. Default: `true`. */
  migrated?: boolean;
}

/** One test file's own database on the run's server. */
export interface TestDatabase {
  /** The database's name, `<template>_<random>`. */
  name: string;
  /** Its connection URL (the run's admin role). */
  url: string;
  /** Environment that points an app at it: `{ DATABASE_URL, NODE_ENV: 'test' }`. */
  env: { DATABASE_URL: string; NODE_ENV: 'test' };
  /** Drops the database, closing any session still on it. */
  drop(): Promise<void>;
}

/**
 * A new database for one test file: a copy of the run's migrated template (`CREATE DATABASE …
 * TEMPLATE …`), so test files run in parallel and never see each other's rows. Needs the global
 * setup of `createPostgresGlobalSetup()` in the Jest config.
 *
 * @example
 * let db: TestDatabase;
 * beforeAll(async () => (db = await createTestDatabase()));
 * afterAll(() => db.drop());
 */
export async function createTestDatabase(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const { adminUrl, template } = testingServer();
  const name = `${template}_${randomBytes(5).toString('hex')}`;
  const source = options.migrated === false ? 'template0' : template;
  await withAdminClient(adminUrl, (c) =>
    c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(source)}`),
  );
  const url = databaseUrl(adminUrl, name);
  return {
    name,
    url,
    env: { DATABASE_URL: url, NODE_ENV: 'test' },
    drop: async () => {
      await withAdminClient(adminUrl, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}
