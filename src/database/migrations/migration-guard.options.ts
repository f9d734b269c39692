import { Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import type { DataSourceOptions } from 'typeorm';
import { DatabaseEnvironment, validateDatabaseEnvironment } from '../config/database.environment';
import {
  DEFAULT_MIGRATIONS_LOCK_TIMEOUT_MS,
  DEFAULT_MIGRATIONS_STATEMENT_TIMEOUT_MS,
  DEFAULT_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS,
} from '../database.constants';

/** Settings of the migration guard (lock, timeouts, ordering), from `DB_MIGRATIONS_*` variables. */
export interface MigrationGuardOptions {
  /** How long a run waits for another run's lock before failing. Default: `DEFAULT_MIGRATIONS_LOCK_TIMEOUT_MS`. */
  lockTimeoutMs?: number;
  /** `lock_timeout` of migration statements (0: none). Default: `DEFAULT_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS`. */
  tableLockTimeoutMs?: number;
  /** `statement_timeout` of migration statements (0: none). Default: `DEFAULT_MIGRATIONS_STATEMENT_TIMEOUT_MS`. */
  statementTimeoutMs?: number;
  /** Apply pending migrations older than the newest applied one. Default: false. */
  allowOutOfOrder?: boolean;
  /** Where progress and warnings go. Default: Nest's `Logger` with context `Migrations`. */
  logger?: Pick<LoggerService, 'log' | 'warn' | 'error'>;
}

/** TypeORM's data-source options plus the guard's settings, as `GuardedDataSource` takes them. */
export type GuardedDataSourceOptions = DataSourceOptions & {
  /** Settings of the migration guard; see {@link buildMigrationGuardOptions}. */
  migrationGuard?: MigrationGuardOptions;
  /** How long `destroy()` waits for busy pool connections (statements, transactions) before closing. Default: `DEFAULT_SHUTDOWN_GRACE_MS`. */
  shutdownGraceMs?: number;
};

/** @internal {@link MigrationGuardOptions} with every default applied. */
export type ResolvedMigrationGuardOptions = Required<MigrationGuardOptions>;

/** @internal Applies the defaults, each from its one constant. */
export function resolveMigrationGuardOptions(options: MigrationGuardOptions = {}): ResolvedMigrationGuardOptions {
  return {
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_MIGRATIONS_LOCK_TIMEOUT_MS,
    tableLockTimeoutMs: options.tableLockTimeoutMs ?? DEFAULT_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_MIGRATIONS_STATEMENT_TIMEOUT_MS,
    allowOutOfOrder: options.allowOutOfOrder ?? false,
    logger: options.logger ?? new Logger('Migrations'),
  };
}

/**
 * Reads the guard's settings from `DB_MIGRATIONS_LOCK_TIMEOUT_MS`, `DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS`,
 * `DB_MIGRATIONS_STATEMENT_TIMEOUT_MS` and `DB_MIGRATIONS_ALLOW_OUT_OF_ORDER`.
 * Throws `DatabaseConfigError` naming each bad variable.
 *
 * @example
 * new GuardedDataSource({ ...buildDataSourceOptions(env), migrationGuard: buildMigrationGuardOptions(env) })
 */
export function buildMigrationGuardOptions(env: NodeJS.ProcessEnv = process.env): MigrationGuardOptions {
  return migrationGuardOptionsFrom(validateDatabaseEnvironment(env));
}

/** @internal The guard's settings from variables validated already. */
export function migrationGuardOptionsFrom(vars: DatabaseEnvironment): MigrationGuardOptions {
  return {
    lockTimeoutMs: vars.DB_MIGRATIONS_LOCK_TIMEOUT_MS,
    tableLockTimeoutMs: vars.DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS,
    statementTimeoutMs: vars.DB_MIGRATIONS_STATEMENT_TIMEOUT_MS,
    allowOutOfOrder: vars.DB_MIGRATIONS_ALLOW_OUT_OF_ORDER,
  };
}
