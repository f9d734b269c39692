/** Default `DB_POOL_MAX`: the most connections the pool opens. */
export const DEFAULT_POOL_MAX = 10;
/** Default `DB_POOL_MIN`: connections the pool keeps open when idle. */
export const DEFAULT_POOL_MIN = 0;
/** Default `DB_POOL_IDLE_TIMEOUT_MS`: how long an idle connection stays in the pool. */
export const DEFAULT_POOL_IDLE_TIMEOUT_MS = 10_000;
/** Default `DB_CONNECT_TIMEOUT_MS`: bound on a pool wait and on opening a connection. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Default `DB_STATEMENT_TIMEOUT_MS`: server-side `statement_timeout` for every session. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** Default `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS`: server-side `idle_in_transaction_session_timeout`. */
export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/** Default `DB_POOLER`: the connection goes straight to PostgreSQL, no pooler in between. */
export const DEFAULT_POOLER_MODE = 'none';
/** Default `DB_SLOW_QUERY_MS`: queries slower than this are logged at warn. */
export const DEFAULT_SLOW_QUERY_MS = 1_000;
/** Default `DB_APPLICATION_NAME`: shown in `pg_stat_activity.application_name`. */
export const DEFAULT_APPLICATION_NAME = 'nest-pg-database';
/** Default `DB_PORT`. */
export const DEFAULT_PORT = 5432;
/** Default `DB_NAME` when only `DB_HOST` is given. */
export const DEFAULT_DATABASE_NAME = 'postgres';
/** Default `DB_USER` when only `DB_HOST` is given. */
export const DEFAULT_USER = 'postgres';
/** Default `DB_CONNECT_RETRY_ATTEMPTS`: extra attempts to connect at startup when the database is required. */
export const DEFAULT_CONNECT_RETRY_ATTEMPTS = 3;
/** Default `DB_CONNECT_RETRY_DELAY_MS`: the first delay between connection attempts (it doubles after each failure). */
export const DEFAULT_CONNECT_RETRY_DELAY_MS = 1_000;
/** Default `DB_CONNECT_RETRY_MAX_DELAY_MS`: the longest delay between background connection attempts. */
export const DEFAULT_CONNECT_RETRY_MAX_DELAY_MS = 30_000;
/** Default `SHUTDOWN_GRACE_MS`: how long in-flight requests and transactions may take to finish at shutdown. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** Name of TypeORM's migrations table. */
export const MIGRATIONS_TABLE_NAME = 'migrations';
/** Suffix of the companion table holding each applied migration's checksum (`migrations_checksums`). */
export const MIGRATION_CHECKSUMS_TABLE_SUFFIX = '_checksums';
/** Default `DB_MIGRATIONS_LOCK_TIMEOUT_MS`: how long a migration run waits for another run's lock. */
export const DEFAULT_MIGRATIONS_LOCK_TIMEOUT_MS = 60_000;
/** Default `DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS`: `lock_timeout` of migration statements. */
export const DEFAULT_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS = 5_000;
/** Default `DB_MIGRATIONS_STATEMENT_TIMEOUT_MS`: `statement_timeout` of migration statements (0: none). */
export const DEFAULT_MIGRATIONS_STATEMENT_TIMEOUT_MS = 0;

/** Injection token of the resolved {@link DatabaseModuleOptions}. */
export const DATABASE_MODULE_OPTIONS = Symbol('DATABASE_MODULE_OPTIONS');

/** Default `HEALTH_PING_TIMEOUT_MS`: bound on the health ping, connect included; the server cancels it past this. */
export const DEFAULT_HEALTH_PING_TIMEOUT_MS = 1_000;
/** Default `HEALTH_SHUTDOWN_DELAY_MS`: how long readiness answers 503 before the server stops taking requests. */
export const DEFAULT_HEALTH_SHUTDOWN_DELAY_MS = 0;
/** Suffix of the health connection's `application_name` (`nest-pg-database:health`). */
export const HEALTH_APPLICATION_NAME_SUFFIX = ':health';
