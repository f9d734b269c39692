import { readFileSync } from 'node:fs';
import type { TlsOptions } from 'node:tls';
import { Logger } from '@nestjs/common';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { parseConnectionUrl } from './config/connection-url';
import { DatabaseEnvironment, validateDatabaseEnvironment } from './config/database.environment';
import { tlsSettingOf } from './config/tls-settings';
import {
  DEFAULT_APPLICATION_NAME,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DATABASE_NAME,
  DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DEFAULT_POOL_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX,
  DEFAULT_POOL_MIN,
  DEFAULT_POOLER_MODE,
  DEFAULT_PORT,
  DEFAULT_SLOW_QUERY_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  DEFAULT_USER,
  MIGRATIONS_TABLE_NAME,
} from './database.constants';
import { DatabaseConfigError } from './errors/database-config.error';
import { DatabaseLogger } from './logging/database.logger';
import { MigrationGuardOptions, migrationGuardOptionsFrom } from './migrations/migration-guard.options';
import { DatabaseHealthOptions, databaseHealthOptionsFrom } from './health/database-health.options';
import { replicaUrlsOf } from './config/replica-environment';
import type { ReadReplicaOptions } from './replicas/read-replica.options';
import type { PoolerMode } from './pooler/pooler-mode';

/** TypeORM's PostgreSQL data-source options, as the module and `ormconfig.ts` use them, and the pooler in between. */
export type PostgresOptions = PostgresDataSourceOptions & {
  /**
   * What is between the app and PostgreSQL (`DB_POOLER`). Behind a pooler the session timeouts are
   * not sent when connecting but checked at startup as the role's settings; `transaction` also turns
   * named prepared statements off and needs `DB_MIGRATIONS_URL` for migrations. Read by
   * `GuardedDataSource` and `DatabaseModule` (a plain TypeORM `DataSource` ignores it). Default: `DEFAULT_POOLER_MODE`.
   */
  pooler?: PoolerMode;
};

/**
 * Options of `DatabaseModule.forRoot()`: TypeORM's PostgreSQL options plus the module's own.
 * Build them with {@link buildDataSourceOptions} so the app and the CLI agree.
 */
export type DatabaseModuleOptions = PostgresOptions & {
  /**
   * Fail startup when the database cannot be reached (`DB_REQUIRE_AT_STARTUP`); otherwise start
   * degraded and keep connecting in the background. Default: true in production, false elsewhere.
   */
  requireAtStartup?: boolean;
  /** Extra connection attempts before startup fails, when required (`DB_CONNECT_RETRY_ATTEMPTS`). Default: `DEFAULT_CONNECT_RETRY_ATTEMPTS`. */
  connectRetryAttempts?: number;
  /** First delay between connection attempts, doubling after each (`DB_CONNECT_RETRY_DELAY_MS`). Default: `DEFAULT_CONNECT_RETRY_DELAY_MS`. */
  connectRetryDelayMs?: number;
  /** Longest delay between background attempts (`DB_CONNECT_RETRY_MAX_DELAY_MS`). Default: `DEFAULT_CONNECT_RETRY_MAX_DELAY_MS`. */
  connectRetryMaxDelayMs?: number;
  /** At shutdown, how long in-flight requests, then busy pool connections, may take (`SHUTDOWN_GRACE_MS`). Default: `DEFAULT_SHUTDOWN_GRACE_MS`. */
  shutdownGraceMs?: number;
  /** RepositoryService runs its SQL as named prepared statements (`DB_PREPARED_STATEMENTS`); refused with `pooler: 'transaction'`. Default: true, false with `pooler: 'transaction'`. */
  preparedStatements?: boolean;
  /** Key signing pagination cursors (`PAGINATION_CURSOR_SECRET`); random per process when absent. */
  cursorSecret?: string;
  /** The migration guard's lock wait, statement timeouts and ordering (`DB_MIGRATIONS_*`). Default: each its constant. */
  migrationGuard?: MigrationGuardOptions;
  /** Audit trail of RepositoryService writes, into this table, in the same statement as each write. Default: off. */
  audit?: { table: string };
  /**
   * Refuse to start when the entities differ from the database schema once connected (and startup
   * migrations ran): a `MigrationGuardError` (reason `schema-drift`) with the SQL that would fix it
   * (`DB_FAIL_ON_SCHEMA_DRIFT`). Never retried. Default: false.
   */
  failOnSchemaDrift?: boolean;
  /** Health checks: ping timeout, pending migrations, shutdown delay (`HEALTH_*`). Default: each its constant. */
  health?: DatabaseHealthOptions;
  /**
   * Streaming replicas that serve reads outside transactions, with lag-aware routing and
   * read-your-writes (`DB_READ_REPLICA_URLS`, `DB_REPLICA_*`; see README "Read replicas"). Default: none.
   */
  readReplicas?: ReadReplicaOptions;
  /** A global filter answers the typed errors that have an HTTP status (404, 409, 422, 400, 503), and no other error. Default: `DEFAULT_EXCEPTION_FILTER` (true). */
  exceptionFilter?: boolean;
};

const poolLogger = new Logger('DatabasePool');

function connectionTarget(env: DatabaseEnvironment) {
  if (env.DATABASE_URL) {
    // Validated already, so parsing cannot fail here.
    const url = parseConnectionUrl(env.DATABASE_URL)!;
    return {
      host: url.host,
      port: url.port ?? DEFAULT_PORT,
      database: url.database ?? DEFAULT_DATABASE_NAME,
      username: url.username ?? DEFAULT_USER,
      password: url.password ?? env.DB_PASSWORD,
    };
  }
  if (env.DB_HOST) {
    return {
      host: env.DB_HOST,
      port: env.DB_PORT ?? DEFAULT_PORT,
      database: env.DB_NAME ?? DEFAULT_DATABASE_NAME,
      username: env.DB_USER ?? DEFAULT_USER,
      password: env.DB_PASSWORD,
    };
  }
  // validateDatabaseEnvironment({ requireTarget: true }) has rejected a missing target already.
  throw DatabaseConfigError.invalid('DATABASE_URL', 'must be set (or DB_HOST)');
}

/**
 * pg's TLS options for the mode in force. pg 8 passes the target host to `tls.connect` (and as
 * `servername` unless it is an IP address), so Node's default `checkServerIdentity` verifies the
 * host name against the certificate's SAN; `rejectUnauthorized: true` verifies the chain.
 */
function tlsOptions(env: DatabaseEnvironment): false | TlsOptions {
  const setting = tlsSettingOf(env);
  // Validated already: an unknown sslmode cannot reach this point.
  if (!setting) throw DatabaseConfigError.invalid('DATABASE_URL', 'has an unknown sslmode');
  if (setting.mode === 'disable') return false;
  if (setting.mode === 'no-verify') return { rejectUnauthorized: false };
  const ca = env.DB_SSL_CA;
  if (!ca) return { rejectUnauthorized: true };
  return { rejectUnauthorized: true, ca: ca.includes('-----BEGIN') ? ca : readFileSync(ca, 'utf8') };
}

/**
 * Builds the TypeORM data-source options from environment variables; the single source of truth
 * for the app (`DatabaseModule`) and the TypeORM CLI (`ormconfig.ts`).
 * Throws {@link DatabaseConfigError} naming each bad variable; secrets never appear in it.
 *
 * @example
 * new DataSource({ ...buildDataSourceOptions(process.env), entities: [User], migrations: [...] })
 */
export function buildDataSourceOptions(env: NodeJS.ProcessEnv = process.env): PostgresOptions {
  return dataSourceOptionsFrom(validateDatabaseEnvironment(env, { requireTarget: true }));
}

/** The data-source options from variables validated already (a target among them). */
function dataSourceOptionsFrom(vars: DatabaseEnvironment): PostgresOptions {
  const target = connectionTarget(vars);
  const slowQueryMs = vars.DB_SLOW_QUERY_MS ?? DEFAULT_SLOW_QUERY_MS;
  const logQueries = vars.DB_LOG_QUERIES ?? false;
  const logParameters = vars.DB_LOG_PARAMETERS ?? false;
  return {
    type: 'postgres',
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.username,
    password: target.password,
    ssl: tlsOptions(vars),
    applicationName: vars.DB_APPLICATION_NAME ?? DEFAULT_APPLICATION_NAME,
    poolSize: vars.DB_POOL_MAX ?? DEFAULT_POOL_MAX,
    connectTimeoutMS: vars.DB_CONNECT_TIMEOUT_MS ?? DEFAULT_CONNECT_TIMEOUT_MS,
    extra: {
      min: vars.DB_POOL_MIN ?? DEFAULT_POOL_MIN,
      idleTimeoutMillis: vars.DB_POOL_IDLE_TIMEOUT_MS ?? DEFAULT_POOL_IDLE_TIMEOUT_MS,
      statement_timeout: vars.DB_STATEMENT_TIMEOUT_MS ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout:
        vars.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      keepAlive: true,
    },
    poolErrorHandler: (error: unknown) =>
      poolLogger.warn(`idle connection failed and was dropped: ${(error as Error)?.message ?? error}`),
    // gen_random_uuid() is built into PostgreSQL 13+; the schema comes from migrations only.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    synchronize: false,
    migrationsRun: vars.DB_MIGRATIONS_RUN ?? false,
    migrationsTableName: MIGRATIONS_TABLE_NAME,
    migrationsTransactionMode: 'each',
    logging: logQueries ? 'all' : ['error', 'warn', 'migration', 'schema'],
    logger: new DatabaseLogger({ logQueries, logParameters }),
    maxQueryExecutionTime: slowQueryMs > 0 ? slowQueryMs : undefined,
    pooler: vars.DB_POOLER ?? DEFAULT_POOLER_MODE,
  };
}

/**
 * The module's options from environment variables: {@link buildDataSourceOptions} plus the
 * module's own (`DB_PREPARED_STATEMENTS`, `PAGINATION_CURSOR_SECRET`, `DB_FAIL_ON_SCHEMA_DRIFT`, …).
 * The session timeouts stay in `extra`: behind a pooler, `GuardedDataSource` takes them out of the
 * startup parameters and the module checks the server applies them.
 */
export function buildDatabaseModuleOptions(env: NodeJS.ProcessEnv = process.env): DatabaseModuleOptions {
  // Validated once: every part below reads the same typed variables.
  const vars = validateDatabaseEnvironment(env, { requireTarget: true });
  return {
    ...dataSourceOptionsFrom(vars),
    requireAtStartup: vars.DB_REQUIRE_AT_STARTUP ?? vars.NODE_ENV === 'production',
    connectRetryAttempts: vars.DB_CONNECT_RETRY_ATTEMPTS,
    connectRetryDelayMs: vars.DB_CONNECT_RETRY_DELAY_MS,
    connectRetryMaxDelayMs: vars.DB_CONNECT_RETRY_MAX_DELAY_MS,
    shutdownGraceMs: vars.SHUTDOWN_GRACE_MS,
    preparedStatements: vars.DB_PREPARED_STATEMENTS ?? vars.DB_POOLER !== 'transaction',
    cursorSecret: vars.PAGINATION_CURSOR_SECRET,
    migrationGuard: migrationGuardOptionsFrom(vars),
    failOnSchemaDrift: vars.DB_FAIL_ON_SCHEMA_DRIFT ?? false,
    health: databaseHealthOptionsFrom(vars),
    readReplicas: readReplicasFrom(vars),
  };
}

/** The replicas of `DB_READ_REPLICA_URLS`: each URL's parts, its `sslmode` read as the primary's is, the rest the primary's. */
function readReplicasFrom(vars: DatabaseEnvironment): ReadReplicaOptions | undefined {
  const urls = replicaUrlsOf(vars.DB_READ_REPLICA_URLS);
  if (urls.length === 0) return undefined;
  const replicas = urls.map((url) => {
    // Validated already, so parsing cannot fail here.
    const parts = parseConnectionUrl(url)!;
    return {
      host: parts.host,
      port: parts.port,
      database: parts.database,
      username: parts.username,
      password: parts.password,
      ssl: tlsOptions({ ...vars, DATABASE_URL: url }),
    };
  });
  return {
    replicas,
    maxLagMs: vars.DB_REPLICA_MAX_LAG_MS,
    checkIntervalMs: vars.DB_REPLICA_CHECK_INTERVAL_MS,
    poolMax: vars.DB_REPLICA_POOL_MAX,
  };
}
