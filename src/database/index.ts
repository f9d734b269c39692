export * from './database.constants';
export { DatabaseModule } from './database.module';
export type { DatabaseModuleAsyncOptions, DatabaseOptionsFactory } from './database.module';
export { buildDatabaseModuleOptions, buildDataSourceOptions } from './database.options';
export type { DatabaseModuleOptions, PostgresOptions } from './database.options';
export {
  DATABASE_ENV_VARIABLES,
  DatabaseEnvironment,
  SSL_MODES,
  validateDatabaseEnvironment,
} from './config/database.environment';
export type { SslMode } from './config/database.environment';
export { parseConnectionUrl, redactConnectionUrl } from './config/connection-url';
export { AbstractEntity } from './entities/abstract.entity';
export { TimestampedEntity } from './entities/timestamped.entity';
export { SoftDeletableEntity } from './entities/soft-deletable.entity';
export { DatabaseConfigError } from './errors/database-config.error';
export type { ConfigProblem } from './errors/database-config.error';
export { describeStartupFailure } from './errors/startup-failure';
export { DatabaseLogger } from './logging/database.logger';
export {
  DEFAULT_EMBEDDED_DATABASE,
  DEFAULT_EMBEDDED_PORT,
  EMBEDDED_CREDENTIALS,
  EmbeddedPostgresLauncher,
} from './embedded/embedded-postgres.launcher';
export type { EmbeddedPostgresOptions } from './embedded/embedded-postgres.launcher';
export { DatabaseError } from './errors/database.error';
export { EntityNotFoundError } from './errors/entity-not-found.error';
export { UniqueViolationError } from './errors/unique-violation.error';
export { ForeignKeyViolationError } from './errors/foreign-key-violation.error';
export { NotNullViolationError } from './errors/not-null-violation.error';
export { CheckViolationError } from './errors/check-violation.error';
export { OptimisticLockError } from './errors/optimistic-lock.error';
export { EntityValidationError } from './errors/entity-validation.error';
export type { FieldErrors } from './errors/entity-validation.error';
export { QueryTimeoutError } from './errors/query-timeout.error';
export { DatabaseUnavailableError } from './errors/database-unavailable.error';
export { InvalidQueryError } from './errors/invalid-query.error';
export { translateDatabaseError } from './errors/translate-database-error';
export { DatabaseExceptionFilter } from './errors/database-exception.filter';
export type { ErrorBody } from './errors/database-exception.filter';
export { RepositoryService, CREATE_MANY_CHUNK } from './repository/repository.service';
export type { FindByIdOptions, PaginateOptions } from './repository/repository.service';
export { getRepositoryServiceToken, InjectRepositoryService } from './repository/repository.tokens';
export {
  EQUALITY_OPERATORS,
  FILTER_OPERATORS,
  Queryable,
  RANGE_OPERATORS,
  TEXT_OPERATORS,
} from './repository/queryable.decorator';
export type { FilterOperator, QueryableOptions } from './repository/queryable.decorator';
export { DEFAULT_LIMIT, MAX_LIMIT } from './repository/list-query';
export type { ListQueryInput, Page, SortDirection } from './repository/list-query';
export { listQueryFromHttp } from './repository/list-query.parser';
export { GuardedDataSource } from './migrations/guarded.data-source';
export { MigrationGuard } from './migrations/migration.guard';
export type { MigrationRunOptions, MigrationVerification } from './migrations/migration.guard';
export { buildMigrationGuardOptions } from './migrations/migration-guard.options';
export type { GuardedDataSourceOptions, MigrationGuardOptions } from './migrations/migration-guard.options';
export { MigrationGuardError } from './migrations/migration-guard.error';
export type { MigrationGuardReason } from './migrations/migration-guard.error';
export { checkMigrations, MIGRATION_CHECK_EXIT_CODES } from './migrations/migration-check';
export type { MigrationCheckResult } from './migrations/migration-check';
export { migrationChecksum } from './migrations/migration-checksums';
export type { MigrationStatus } from './migrations/migration-status';
export { findMigrationLockHolder, migrationLockKey } from './migrations/migration-lock';
export type { MigrationLockHolder } from './migrations/migration-lock';
export { DatabaseService } from './database.service';
export { DatabaseConnection } from './startup/database-connection';
export type { ConnectionPhase, ConnectionState } from './startup/database-connection';
export { nextDelay, resolveConnectPolicy } from './startup/connect-policy';
export type { ConnectPolicy, ConnectPolicyOptions } from './startup/connect-policy';
export type { DatabaseStats } from './database.service';
export { TransactionManager } from './transactions/transaction.manager';
export type { TransactionStats } from './transactions/transaction.manager';
export { Transactional } from './transactions/transactional.decorator';
export { Propagation, DEFAULT_TRANSACTION_RETRIES } from './transactions/transaction.options';
export type { IsolationLevel, TransactionOptions } from './transactions/transaction.options';
export {
  TransactionOutcomeUnknownError,
  TransactionPropagationError,
  TransactionRolledBackError,
} from './transactions/transaction.errors';
export { AuditRedacted, NotAudited, REDACTED_VALUE } from './audit/audit.decorators';
export { currentActor, currentRequestId, runAs, setAuditContext, SYSTEM_ACTOR } from './audit/audit-context';
export type { PoolStats } from './database.service';
export type { SqlObserver, SqlStats } from './sql/sql-executor';
export { DatabaseProbe, healthConnectionConfig } from './health/database.probe';
export type { ProbeResult } from './health/database.probe';
export { describeConnectionFailure } from './health/connection-failure';
export type { ConnectionFailure } from './health/connection-failure';
export type { MigrationCounts } from './health/migration-counts';
export { buildDatabaseHealthOptions, resolveDatabaseHealthOptions } from './health/database-health.options';
export type { DatabaseHealthOptions, ResolvedDatabaseHealthOptions } from './health/database-health.options';
export { DatabaseMetrics } from './metrics/database.metrics';
export type { DatabaseMetricsSources } from './metrics/database.metrics';
export { statementLabels } from './metrics/statement-labels';
export type { StatementLabels } from './metrics/statement-labels';
