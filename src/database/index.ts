export * from './database.constants';
export { DatabaseModule } from './database.module';
export type { DatabaseModuleAsyncOptions, DatabaseOptionsFactory } from './database.module';
export { buildDataSourceOptions } from './database.options';
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
