import { dropRunDatabases } from './template-database';
import { withdrawTestingServer } from './testing-env';
import { takeTestingRun } from './testing-run';

/**
 * A Jest `globalTeardown`: drops the run's template and every test database left, then stops
 * what `createPostgresGlobalSetup()` started, whatever the tests' outcome.
 *
 * @example
 * // test/postgres.global-teardown.ts, named by `globalTeardown` in the jest config
 * export { postgresGlobalTeardown as default } from 'nest-pg-database/testing';
 */
export async function postgresGlobalTeardown(): Promise<void> {
  const run = takeTestingRun();
  if (!run) return;
  withdrawTestingServer();
  try {
    await dropRunDatabases(run.provided.adminUrl, run.template);
  } finally {
    await run.provided.stop();
  }
}
