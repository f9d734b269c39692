import { configError } from '../../../test/support/config-error';
import { buildDatabaseModuleOptions } from '../database.options';
import { buildDatabaseHealthOptions, resolveDatabaseHealthOptions } from './database-health.options';

describe('health options (HEALTH_*, DB_LOG_PARAMETERS)', () => {
  it('defaults: a 1 s ping, pending migrations do not fail readiness, no shutdown delay', () => {
    expect(resolveDatabaseHealthOptions(buildDatabaseHealthOptions({}))).toEqual({
      pingTimeoutMs: 1_000,
      failOnPendingMigrations: false,
      shutdownDelayMs: 0,
    });
  });

  it('reads the variables', () => {
    const env = {
      HEALTH_PING_TIMEOUT_MS: '250',
      HEALTH_FAIL_ON_PENDING_MIGRATIONS: 'true',
      HEALTH_SHUTDOWN_DELAY_MS: '5000',
    };
    expect(buildDatabaseHealthOptions(env)).toEqual({
      pingTimeoutMs: 250,
      failOnPendingMigrations: true,
      shutdownDelayMs: 5_000,
    });
  });

  it('reaches the module options next to the data source options', () => {
    const options = buildDatabaseModuleOptions({
      DATABASE_URL: 'postgres://u:p@db:5432/app',
      HEALTH_PING_TIMEOUT_MS: '300',
    });
    expect(options.health).toMatchObject({ pingTimeoutMs: 300 });
  });

  it.each([
    ['HEALTH_PING_TIMEOUT_MS', '0', 'an integer from 1 to 60000'],
    ['HEALTH_PING_TIMEOUT_MS', '1s', 'an integer from 1 to 60000'],
    ['HEALTH_SHUTDOWN_DELAY_MS', '-1', 'an integer from 0 to 300000'],
    ['HEALTH_FAIL_ON_PENDING_MIGRATIONS', 'maybe', 'true or false'],
    ['DB_LOG_PARAMETERS', 'yes please', 'true or false'],
  ])('rejects %s=%j, saying it must be %s', (variable, value, expected) => {
    const error = configError(() => buildDatabaseHealthOptions({ [variable]: value }));
    expect(error.message).toContain(variable);
    expect(error.message).toContain(expected);
  });
});
