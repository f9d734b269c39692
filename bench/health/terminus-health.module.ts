import { Controller, Get, Module } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  TerminusModule,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';

/** Terminus' own TypeORM check, as its documentation shows it: `SELECT 1` through the app's pool. */
@Controller('terminus-health')
export class TerminusHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.db.pingCheck('database')]);
  }
}

/** `GET /terminus-health` next to the app's `GET /health`, for the health scenario only. */
@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [TerminusHealthController] })
export class TerminusHealthModule {}
