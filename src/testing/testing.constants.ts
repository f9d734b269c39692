/** Environment variables through which the Jest global setup hands its PostgreSQL to the test files. */
export const TESTING_ENV = {
  /** A URL of the run's server whose role may `CREATE DATABASE`. */
  adminUrl: 'TEST_PG_ADMIN_URL',
  /** The migrated template database every `createTestDatabase()` copies. */
  template: 'TEST_PG_TEMPLATE',
} as const;

/** @internal The variable that names your own PostgreSQL for the tests; when set, nothing is started. */
export const TEST_DATABASE_URL_VARIABLE = 'TEST_DATABASE_URL';

/** Default Testcontainers image. */
export const DEFAULT_TESTCONTAINERS_IMAGE = 'postgres:17-alpine';

/** @internal How long the Docker engine may take to answer before the embedded server is used instead. */
export const DOCKER_PROBE_TIMEOUT_MS = 5_000;

/**
 * Settings of the servers the tests start. Throwaway clusters trade durability for speed, and
 * parallel test files with a pool each need more than PostgreSQL's default 100 connections.
 */
export const TEST_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '300',
};
