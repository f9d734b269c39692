import { Controller, Get, UseFilters } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { ShutdownState } from './shutdown/shutdown-state';
import { DatabaseHealthIndicator } from './database.health';
import { HealthCheckFilter } from './health-check.filter';

/** Health endpoints in Terminus' format, 503 included. */
@Controller('health')
@UseFilters(HealthCheckFilter)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /**
   * Readiness: 200 when the database answers on the health connection (`degraded` while the pool
   * is saturated) and migrations allow it; 503 with the cause otherwise, while the module is still
   * connecting (degraded start), and from the start of shutdown (see `GracefulShutdown`). With read
   * replicas, `replicas` shows each one's state; a replica never fails readiness.
   */
  @Get()
  @HealthCheck()
  readiness(): Promise<HealthCheckResult> {
    if (this.shutdown.draining) return this.health.check([() => this.db.shuttingDown('database')]);
    const checks: HealthIndicatorFunction[] = [
      () => this.db.pingCheck('database'),
      () => this.db.migrationsCheck('migrations'),
    ];
    if (this.db.hasReplicas) checks.push(() => this.db.replicasCheck('replicas'));
    return this.health.check(checks);
  }

  /** Liveness: the process answers; touches no database and stays 200 while starting degraded or shutting down. */
  @Get('live')
  @HealthCheck()
  liveness(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }
}
