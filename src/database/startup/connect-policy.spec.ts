import { nextDelay, resolveConnectPolicy } from './connect-policy';
import { buildDatabaseModuleOptions } from '../database.options';

describe('connect policy', () => {
  const policy = {
    requireAtStartup: false,
    retryAttempts: 3,
    retryDelayMs: 100,
    retryMaxDelayMs: 1_000,
    failOnSchemaDrift: false,
  };

  it('doubles the delay after each failure, up to the cap, with ±20% jitter', () => {
    const exact = (failed: number) => nextDelay(policy, failed, () => 0.5);
    expect([1, 2, 3, 4, 5, 30].map(exact)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(nextDelay(policy, 1, () => 0)).toBe(80);
    expect(nextDelay(policy, 1, () => 1)).toBe(120);
    expect(nextDelay(policy, 1_000, () => 1)).toBe(1_200);
  });

  it('requires the database at startup in production and not elsewhere, unless told', () => {
    expect(resolveConnectPolicy({}, { NODE_ENV: 'production' }).requireAtStartup).toBe(true);
    expect(resolveConnectPolicy({}, { NODE_ENV: 'test' }).requireAtStartup).toBe(false);
    expect(resolveConnectPolicy({}, {}).requireAtStartup).toBe(false);
    expect(resolveConnectPolicy({ requireAtStartup: false }, { NODE_ENV: 'production' }).requireAtStartup).toBe(false);
    expect(resolveConnectPolicy({ requireAtStartup: true }, {}).requireAtStartup).toBe(true);
  });

  it('reads DB_REQUIRE_AT_STARTUP and the retry variables from the environment', () => {
    const base = { DATABASE_URL: 'postgres://u:p@db.internal:5432/app' };
    expect(buildDatabaseModuleOptions({ ...base, NODE_ENV: 'development' }).requireAtStartup).toBe(false);
    const options = buildDatabaseModuleOptions({
      ...base,
      DB_REQUIRE_AT_STARTUP: 'true',
      DB_CONNECT_RETRY_ATTEMPTS: '5',
      DB_CONNECT_RETRY_DELAY_MS: '250',
      DB_CONNECT_RETRY_MAX_DELAY_MS: '5000',
      SHUTDOWN_GRACE_MS: '15000',
    });
    expect(options).toMatchObject({
      requireAtStartup: true,
      connectRetryAttempts: 5,
      connectRetryDelayMs: 250,
      connectRetryMaxDelayMs: 5_000,
      shutdownGraceMs: 15_000,
    });
  });

  it('reads DB_FAIL_ON_SCHEMA_DRIFT (off by default) into the policy', () => {
    const base = { DATABASE_URL: 'postgres://u:p@db.internal:5432/app' };
    expect(resolveConnectPolicy(buildDatabaseModuleOptions(base)).failOnSchemaDrift).toBe(false);
    const options = buildDatabaseModuleOptions({ ...base, DB_FAIL_ON_SCHEMA_DRIFT: 'true' });
    expect(options.failOnSchemaDrift).toBe(true);
    expect(resolveConnectPolicy(options).failOnSchemaDrift).toBe(true);
    expect(() => buildDatabaseModuleOptions({ ...base, DB_FAIL_ON_SCHEMA_DRIFT: 'yes please' })).toThrow(
      /DB_FAIL_ON_SCHEMA_DRIFT: must be/,
    );
  });

  it('names each bad variable', () => {
    expect(() =>
      buildDatabaseModuleOptions({
        DATABASE_URL: 'postgres://u:p@db.internal:5432/app',
        DB_REQUIRE_AT_STARTUP: 'maybe',
        DB_CONNECT_RETRY_MAX_DELAY_MS: '0',
        SHUTDOWN_GRACE_MS: '-1',
      }),
    ).toThrow(/DB_REQUIRE_AT_STARTUP[\s\S]*DB_CONNECT_RETRY_MAX_DELAY_MS[\s\S]*SHUTDOWN_GRACE_MS/);
  });
});
