import { Controller, Get, Header } from '@nestjs/common';
import { Registry } from 'prom-client';

/** `GET /metrics`: the application's registry in Prometheus' text format. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  /** Every metric, collected now: the database's (pool, statements, transactions, migrations, health) and Node's. */
  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
