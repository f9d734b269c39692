import { Controller, Get, Header, Inject } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../health.tokens';

let processRegistry: Registry | undefined;

/**
 * @internal Node's process metrics, registered once per process: prom-client's default collectors
 * (a GC observer among them) are never stopped, so one set per application would keep every
 * closed application in memory, and they describe the process, not an application, anyway.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** `GET /metrics`: the application's registry and the process' metrics, in Prometheus' text format. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  /** Every metric, collected now: the database's (pool, statements, transactions, migrations, health) and Node's. */
  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }
}
