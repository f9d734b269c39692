import { configError } from '../../../test/support/config-error';
import {
  DEFAULT_MIGRATIONS_LOCK_TIMEOUT_MS,
  DEFAULT_MIGRATIONS_STATEMENT_TIMEOUT_MS,
  DEFAULT_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS,
} from '../database.constants';
import { buildMigrationGuardOptions, resolveMigrationGuardOptions } from './migration-guard.options';

describe('buildMigrationGuardOptions', () => {
  it('reads the DB_MIGRATIONS_* variables', () => {
    expect(
      buildMigrationGuardOptions({
        DB_MIGRATIONS_LOCK_TIMEOUT_MS: '120000',
        DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS: '0',
        DB_MIGRATIONS_STATEMENT_TIMEOUT_MS: '600000',
        DB_MIGRATIONS_ALLOW_OUT_OF_ORDER: 'yes',
      }),
    ).toEqual({ lockTimeoutMs: 120_000, tableLockTimeoutMs: 0, statementTimeoutMs: 600_000, allowOutOfOrder: true });
  });

  it('leaves unset variables to the defaults, each from its constant', () => {
    const { logger, ...resolved } = resolveMigrationGuardOptions(buildMigrationGuardOptions({}));
    expect(resolved).toEqual({
      lockTimeoutMs: DEFAULT_MIGRATIONS_LOCK_TIMEOUT_MS,
      tableLockTimeoutMs: DEFAULT_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS,
      statementTimeoutMs: DEFAULT_MIGRATIONS_STATEMENT_TIMEOUT_MS,
      allowOutOfOrder: false,
    });
    expect(logger.log).toEqual(expect.any(Function));
  });

  it('names every bad variable and what it accepts', () => {
    const error = configError(() =>
      buildMigrationGuardOptions({ DB_MIGRATIONS_LOCK_TIMEOUT_MS: '-1', DB_MIGRATIONS_ALLOW_OUT_OF_ORDER: 'perhaps' }),
    );
    expect(error.problems).toEqual([
      { variable: 'DB_MIGRATIONS_LOCK_TIMEOUT_MS', expected: 'must be an integer at least 0 (got "-1")' },
      { variable: 'DB_MIGRATIONS_ALLOW_OUT_OF_ORDER', expected: 'must be true or false (got "perhaps")' },
    ]);
  });
});
