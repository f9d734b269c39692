import { TESTING_ENV } from './testing.constants';
import { TestingSetupError } from './testing-setup.error';

/** What the global setup hands to the test files. */
export interface TestingServer {
  /** A URL of the run's server whose role may `CREATE DATABASE`. */
  adminUrl: string;
  /** The migrated template database. */
  template: string;
}

/**
 * The run's test PostgreSQL as the global setup published it in `env`; throws a
 * {@link TestingSetupError} saying how to add the global setup when it did not run.
 */
export function testingServer(env: NodeJS.ProcessEnv = process.env): TestingServer {
  const adminUrl = env[TESTING_ENV.adminUrl];
  const template = env[TESTING_ENV.template];
  if (!adminUrl) throw TestingSetupError.globalSetupMissing(TESTING_ENV.adminUrl);
  if (!template) throw TestingSetupError.globalSetupMissing(TESTING_ENV.template);
  return { adminUrl, template };
}

/** @internal Publishes the run's server to the test files (Jest's workers inherit the environment). */
export function publishTestingServer(server: TestingServer, env: NodeJS.ProcessEnv = process.env): void {
  env[TESTING_ENV.adminUrl] = server.adminUrl;
  env[TESTING_ENV.template] = server.template;
}

/** @internal Withdraws what {@link publishTestingServer} published. */
export function withdrawTestingServer(env: NodeJS.ProcessEnv = process.env): void {
  delete env[TESTING_ENV.adminUrl];
  delete env[TESTING_ENV.template];
}
