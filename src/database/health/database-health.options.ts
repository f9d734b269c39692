import { DatabaseEnvironment, validateDatabaseEnvironment } from '../config/database.environment';
import { DEFAULT_HEALTH_PING_TIMEOUT_MS, DEFAULT_HEALTH_SHUTDOWN_DELAY_MS } from '../database.constants';

/** Settings of the health checks (`HEALTH_*` variables). */
export interface DatabaseHealthOptions {
  /** Bound on one health ping, connecting included. Default: `DEFAULT_HEALTH_PING_TIMEOUT_MS`. */
  pingTimeoutMs?: number;
  /** Readiness fails while migrations are pending. Default: false. */
  failOnPendingMigrations?: boolean;
  /** How long readiness answers 503 at shutdown before the HTTP server closes. Default: `DEFAULT_HEALTH_SHUTDOWN_DELAY_MS`. */
  shutdownDelayMs?: number;
}

/** {@link DatabaseHealthOptions} with every default applied. */
export type ResolvedDatabaseHealthOptions = Required<DatabaseHealthOptions>;

/** Applies the defaults of {@link DatabaseHealthOptions}, each from its one constant. */
export function resolveDatabaseHealthOptions(options: DatabaseHealthOptions = {}): ResolvedDatabaseHealthOptions {
  return {
    pingTimeoutMs: options.pingTimeoutMs ?? DEFAULT_HEALTH_PING_TIMEOUT_MS,
    failOnPendingMigrations: options.failOnPendingMigrations ?? false,
    shutdownDelayMs: options.shutdownDelayMs ?? DEFAULT_HEALTH_SHUTDOWN_DELAY_MS,
  };
}

/**
 * Reads the health settings from `HEALTH_PING_TIMEOUT_MS`, `HEALTH_FAIL_ON_PENDING_MIGRATIONS` and
 * `HEALTH_SHUTDOWN_DELAY_MS`. Throws `DatabaseConfigError` naming each bad variable.
 *
 * @example
 * DatabaseModule.forRoot({ ...buildDataSourceOptions(env), health: buildDatabaseHealthOptions(env) })
 */
export function buildDatabaseHealthOptions(env: NodeJS.ProcessEnv = process.env): DatabaseHealthOptions {
  return databaseHealthOptionsFrom(validateDatabaseEnvironment(env));
}

/** @internal The health settings from variables validated already. */
export function databaseHealthOptionsFrom(vars: DatabaseEnvironment): DatabaseHealthOptions {
  return {
    pingTimeoutMs: vars.HEALTH_PING_TIMEOUT_MS,
    failOnPendingMigrations: vars.HEALTH_FAIL_ON_PENDING_MIGRATIONS,
    shutdownDelayMs: vars.HEALTH_SHUTDOWN_DELAY_MS,
  };
}
