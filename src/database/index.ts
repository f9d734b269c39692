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
