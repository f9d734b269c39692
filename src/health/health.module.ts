import { Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import {
  DATABASE_MODULE_OPTIONS,
  DatabaseMetrics,
  DatabaseModuleOptions,
  DatabaseProbe,
  DatabaseService,
  resolveDatabaseHealthOptions,
} from '../database';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { MetricsController, processMetrics } from './metrics.controller';

/**
 * `GET /health` (readiness), `GET /health/live` (liveness) and `GET /metrics` (Prometheus). The
 * database metrics live in a registry the application owns, not prom-client's global one, so
 * several applications in one process (tests) never collide; Node's metrics are the process'.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, MetricsController],
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        processMetrics(); // started with the first application, so the first scrape has event-loop samples
        return new Registry();
      },
    },
    {
      provide: DatabaseProbe,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => DatabaseProbe.forDataSource(dataSource),
    },
    {
      provide: DatabaseMetrics,
      inject: [Registry, DatabaseService, DatabaseProbe, DATABASE_MODULE_OPTIONS],
      useFactory: (registry: Registry, db: DatabaseService, probe: DatabaseProbe, options: DatabaseModuleOptions) => {
        const { pingTimeoutMs } = resolveDatabaseHealthOptions(options.health);
        return new DatabaseMetrics(registry, { stats: () => db.getStats(), probe: () => probe.check(pingTimeoutMs) });
      },
    },
    DatabaseHealthIndicator,
  ],
  exports: [DatabaseHealthIndicator, Registry],
})
export class HealthModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly db: DatabaseService,
    private readonly metrics: DatabaseMetrics,
  ) {}

  /** Statement durations flow into the metrics from here on. */
  onModuleInit(): void {
    this.db.observeQueries(this.metrics);
  }

  /** After requests drained: statements of the drain still count. */
  onApplicationShutdown(): void {
    this.db.observeQueries(undefined);
  }
}
