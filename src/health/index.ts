export { DatabaseHealthModule } from './database-health.module';
export type { DatabaseHealthModuleOptions } from './database-health.module';
export { DatabaseHealthIndicator } from './database.health';
export type { MigrationsCheckOptions, PingCheckOptions } from './database.health';
export { HealthCheckFilter } from './health-check.filter';
export { METRICS_REGISTRY } from './health.tokens';
export { ShutdownState } from './shutdown/shutdown-state';
export { GracefulShutdown } from './shutdown/graceful-shutdown';
