import { DynamicModule, Global, Module, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { DatabaseProbe } from '../database/health/database.probe';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { METRICS_REGISTRY } from './health.tokens';
import { GracefulShutdown } from './shutdown/graceful-shutdown';
import { ShutdownState } from './shutdown/shutdown-state';

/** Options of {@link DatabaseHealthModule.forRoot}. */
export interface DatabaseHealthModuleOptions {
  /** Serve `GET /metrics` (Prometheus). Default: on when prom-client is installed. */
  metrics?: boolean;
}

/** @internal Whether the optional peer prom-client can be loaded from where this package is installed. */
export function promClientInstalled(): boolean {
  try {
    require.resolve('prom-client');
    return true;
  } catch {
    return false;
  }
}

/** @internal The module's metadata: health, shutdown, and metrics when wanted and prom-client is there. */
function metadata(options: DatabaseHealthModuleOptions): ModuleMetadata {
  const wantMetrics = options.metrics ?? promClientInstalled();
  const metrics: { controllers: Type[]; providers: Provider[] } = wantMetrics
    ? // Loaded only here, so an application without prom-client never imports it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('./metrics/metrics.providers') as typeof import('./metrics/metrics.providers')).METRICS_PARTS
    : { controllers: [], providers: [] };
  return {
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController, ...metrics.controllers],
    providers: [
      { provide: DatabaseProbe, inject: [DataSource], useFactory: DatabaseProbe.forDataSource },
      DatabaseHealthIndicator,
      ShutdownState,
      GracefulShutdown,
      ...metrics.providers,
    ],
    exports: [DatabaseHealthIndicator, ShutdownState, ...(wantMetrics ? [METRICS_REGISTRY] : [])],
  };
}

/**
 * What a production service needs around its database, in one import (after
 * `DatabaseModule.forRoot*`): `GET /health` (readiness: the database on a connection of its own,
 * migrations, 503 from the start of shutdown), `GET /health/live` (liveness, no database),
 * `GET /metrics` when prom-client is installed, and graceful shutdown (readiness 503, HTTP drain,
 * pool close) once the app calls `enableShutdownHooks()`.
 *
 * @example
 * @Module({ imports: [DatabaseModule.forRootAsync({ useFactory: () => buildDatabaseModuleOptions(process.env) }), DatabaseHealthModule] })
 * export class AppModule {}
 */
@Global()
@Module(metadata({}))
export class DatabaseHealthModule {
  /** The module with options (`{ metrics: false }` leaves `/metrics` out even with prom-client installed). */
  static forRoot(options: DatabaseHealthModuleOptions = {}): DynamicModule {
    return { module: ConfiguredDatabaseHealthModule, global: true, ...metadata(options) };
  }
}

/** @internal {@link DatabaseHealthModule} with options: a class of its own, so its static metadata does not add to them. */
@Module({})
export class ConfiguredDatabaseHealthModule {}
