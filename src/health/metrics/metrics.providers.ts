import { Injectable, OnApplicationShutdown, OnModuleInit, Provider } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DATABASE_MODULE_OPTIONS } from '../../database/database.constants';
import type { DatabaseModuleOptions } from '../../database/database.options';
import { DatabaseService } from '../../database/database.service';
import { resolveDatabaseHealthOptions } from '../../database/health/database-health.options';
import { DatabaseProbe } from '../../database/health/database.probe';
import { HEALTH_CHECK_OBSERVER, METRICS_REGISTRY } from '../health.tokens';
import { DatabaseMetrics } from './database.metrics';
import { MetricsController, processMetrics } from './metrics.controller';
import type { ReadRouter } from '../../database/replicas/read-router';
import { READ_REPLICAS } from '../../database/replicas/read-replicas.providers';

/** @internal Statement durations flow into the metrics from module init until after the drain. */
@Injectable()
export class QueryMetricsHook implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly db: DatabaseService,
    private readonly metrics: DatabaseMetrics,
  ) {}

  onModuleInit(): void {
    this.db.observeQueries(this.metrics);
  }

  /** After requests drained: statements of the drain still count. */
  onApplicationShutdown(): void {
    this.db.observeQueries(undefined);
  }
}

/**
 * @internal `GET /metrics` (Prometheus), part of `DatabaseHealthModule` only when prom-client is
 * installed (this file imports it). The database metrics live in a registry the application owns,
 * not prom-client's global one, so several applications in one process (tests) never collide;
 * Node's metrics are the process'.
 */
export const METRICS_PARTS = {
  controllers: [MetricsController],
  providers: [
    {
      provide: METRICS_REGISTRY,
      useFactory: () => {
        processMetrics(); // started with the first application, so the first scrape has event-loop samples
        return new Registry();
      },
    },
    {
      provide: DatabaseMetrics,
      inject: [
        METRICS_REGISTRY,
        DatabaseService,
        DatabaseProbe,
        DATABASE_MODULE_OPTIONS,
        { token: READ_REPLICAS, optional: true },
      ],
      useFactory: (
        registry: Registry,
        db: DatabaseService,
        probe: DatabaseProbe,
        options: DatabaseModuleOptions,
        router: ReadRouter | null | undefined,
      ) => {
        const { pingTimeoutMs } = resolveDatabaseHealthOptions(options.health);
        const replicas = router ? () => ({ states: router.states(), stats: router.stats }) : undefined;
        return new DatabaseMetrics(registry, {
          stats: () => db.getStats(),
          probe: () => probe.check(pingTimeoutMs),
          replicas,
        });
      },
    },
    { provide: HEALTH_CHECK_OBSERVER, useExisting: DatabaseMetrics },
    QueryMetricsHook,
  ] satisfies Provider[],
};
