import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

/** Ping timeout of the readiness check. */
export const HEALTH_PING_TIMEOUT_MS = 1_000;

/** Health endpoints in Terminus' format. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  /** Readiness: 200 when the database answers a ping, 503 otherwise. */
  @Get()
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: HEALTH_PING_TIMEOUT_MS })]);
  }

  /** Liveness: the process is up; touches no database. */
  @Get('live')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }
}
