import { Logger } from '@nestjs/common';
import type { LoggerService } from '@nestjs/common';
import type { DataSourceOptions } from 'typeorm';
import { DatabaseEnvironment, validateDatabaseEnvironment } from '../config/database.environment';
import { parseConnectionUrl } from '../config/connection-url';
import type { PoolerMode } from '../pooler/pooler-mode';
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
  /**
   * A direct connection to PostgreSQL for migrations (`DB_MIGRATIONS_URL`), bypassing a pooler: the
   * lock is taken and the migrations run there. What it leaves out is the DataSource's (password,
   * role, database); TLS is the DataSource's. Default: none (the DataSource's pool).
   */
  directConnection?: DirectConnection;
  /** What is between the DataSource and PostgreSQL; `transaction` without `directConnection` is refused. Default: the `GuardedDataSource`'s `pooler`, else `DEFAULT_POOLER_MODE`. */
  pooler?: PoolerMode;
}

/** Where migrations connect when they must bypass a pooler (from `DB_MIGRATIONS_URL`). */
export interface DirectConnection {
  /** PostgreSQL's own host, not the pooler's. */
  host: string;
  /** Default: 5432. */
  port?: number;
  /** Default: the DataSource's database. */
  database?: string;
  /** Default: the DataSource's role. */
  username?: string;
  /** Default: the DataSource's password. */
  password?: string;
}

/** TypeORM's data-source options plus the guard's settings, as `GuardedDataSource` takes them. */
export type GuardedDataSourceOptions = DataSourceOptions & {
  /** Settings of the migration guard; see {@link buildMigrationGuardOptions}. */
  migrationGuard?: MigrationGuardOptions;
  /** How long `destroy()` waits for busy pool connections (statements, transactions) before closing. Default: `DEFAULT_SHUTDOWN_GRACE_MS`. */
  shutdownGraceMs?: number;
  /** What is between the DataSource and PostgreSQL (`DB_POOLER`); see `PostgresOptions.pooler`. Default: `DEFAULT_POOLER_MODE`. */
  pooler?: PoolerMode;
};

/** @internal {@link MigrationGuardOptions} with every default applied. */
export type ResolvedMigrationGuardOptions = Required<Omit<MigrationGuardOptions, 'directConnection' | 'pooler'>> &
  Pick<MigrationGuardOptions, 'directConnection' | 'pooler'>;

/** @internal Applies the defaults, each from its one constant. */
export function resolveMigrationGuardOptions(options: MigrationGuardOptions = {}): ResolvedMigrationGuardOptions {
  return {
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_MIGRATIONS_LOCK_TIMEOUT_MS,
    tableLockTimeoutMs: options.tableLockTimeoutMs ?? DEFAULT_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS,
    statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_MIGRATIONS_STATEMENT_TIMEOUT_MS,
    allowOutOfOrder: options.allowOutOfOrder ?? false,
    logger: options.logger ?? new Logger('Migrations'),
    directConnection: options.directConnection,
    pooler: options.pooler,
  };
}

/**
 * Reads the guard's settings from `DB_MIGRATIONS_LOCK_TIMEOUT_MS`, `DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS`,
 * `DB_MIGRATIONS_STATEMENT_TIMEOUT_MS`, `DB_MIGRATIONS_ALLOW_OUT_OF_ORDER`, `DB_MIGRATIONS_URL` and `DB_POOLER`.
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
    directConnection: directConnectionFrom(vars.DB_MIGRATIONS_URL),
    pooler: vars.DB_POOLER,
  };
}

function directConnectionFrom(url: string | undefined): DirectConnection | undefined {
  // Validated already, so parsing cannot fail here.
  const parts = url ? parseConnectionUrl(url) : undefined;
  if (!parts) return undefined;
  const { sslmode: _tls, ...target } = parts;
  return target;
}
