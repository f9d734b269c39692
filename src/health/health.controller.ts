import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Controller, Get, Inject, Logger, UseFilters } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { DATABASE_MODULE_OPTIONS, DatabaseModuleOptions, resolveDatabaseHealthOptions } from '../database';
import { DatabaseHealthIndicator } from './database.health';
import { HealthCheckFilter } from './health-check.filter';

/** Health endpoints in Terminus' format, 503 included. */
@Controller('health')
@UseFilters(HealthCheckFilter)
export class HealthController implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly shutdownDelayMs: number;
  private draining = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealthIndicator,
    @Inject(DATABASE_MODULE_OPTIONS) options: DatabaseModuleOptions,
  ) {
    this.shutdownDelayMs = resolveDatabaseHealthOptions(options.health).shutdownDelayMs;
  }

  /**
   * Readiness: 200 when the database answers on the health connection (`degraded` while the pool
   * is saturated) and migrations allow it; 503 with the cause otherwise, and from the start of shutdown.
   */
  @Get()
  @HealthCheck()
  readiness(): Promise<HealthCheckResult> {
    if (this.draining) return this.health.check([() => this.db.shuttingDown('database')]);
    return this.health.check([() => this.db.pingCheck('database'), () => this.db.migrationsCheck('migrations')]);
  }

  /** Liveness: the process answers; touches no database and stays 200 while shutting down. */
  @Get('live')
  @HealthCheck()
  liveness(): HealthCheckResult {
    return { status: 'ok', info: {}, error: {}, details: {} };
  }

  /**
   * Nest calls this before it closes the HTTP server and then the pool: readiness turns 503 first,
   * and stays so for `HEALTH_SHUTDOWN_DELAY_MS`, so a load balancer stops sending traffic in time.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    if (this.shutdownDelayMs <= 0) return;
    this.logger.log(`shutting down: readiness answers 503 for ${this.shutdownDelayMs} ms before the server closes`);
    await sleep(this.shutdownDelayMs);
  }
}
