import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DATABASE_MODULE_OPTIONS } from '../database/database.constants';
import type { DatabaseModuleOptions } from '../database/database.options';
import { DatabaseService, DatabaseStats, PoolStats } from '../database/database.service';
import {
  ResolvedDatabaseHealthOptions,
  resolveDatabaseHealthOptions,
} from '../database/health/database-health.options';
import { DatabaseProbe } from '../database/health/database.probe';
import { poolerModeOf } from '../database/pooler/pooler-mode';
import type { ConnectionState } from '../database/startup/database-connection';
import { HEALTH_CHECK_OBSERVER, HealthCheckObserver } from './health.tokens';
import type { ReadReplicaReport } from '../database/replicas/read-router';
import { READ_REPLICAS } from '../database/replicas/read-replicas.providers';

/** Options of {@link DatabaseHealthIndicator.pingCheck}. */
export interface PingCheckOptions {
  /** Bound on the ping, connecting included. Default: `HEALTH_PING_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/** Options of {@link DatabaseHealthIndicator.migrationsCheck}. */
export interface MigrationsCheckOptions extends PingCheckOptions {
  /** `down` while migrations are pending. Default: `HEALTH_FAIL_ON_PENDING_MIGRATIONS`. */
  failOnPending?: boolean;
}

type Status = 'up' | 'degraded' | 'down';

/** What a check found, before it becomes Terminus' result. */
interface Outcome {
  status: Status;
  details: Record<string, unknown>;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The statement figures `/health` shows: counts, success rate, average and p99 in ms, slow ones; connection failures. */
function statementDetails({ statements: s }: DatabaseStats) {
  return {
    statements: {
      total: s.total,
      failed: s.failed,
      successRate: round(s.successRate, 4),
      avgMs: round(s.avgMs, 2),
      p99Ms: round(s.p99Ms, 2),
      slow: s.slow,
    },
    connectionErrors: s.connectionErrors,
  };
}

/** Why `/health` is degraded while the server takes no writes. */
const READ_ONLY_MESSAGE =
  'the server takes no writes (in recovery: a standby, or a failover not finished; or read-only): writes answer 503, reads are served';

function saturationMessage(pool: PoolStats): string {
  return (
    `pool saturated: all ${pool.total} connections busy, ${pool.waiting} caller(s) waiting; ` +
    'the database itself answers'
  );
}

/**
 * Terminus health indicators for PostgreSQL that tell the truth: the ping runs on a connection of
 * its own (never queued behind application queries), is cancelled on the server past its timeout,
 * says why it failed, and reports the pool (a saturated pool is `degraded`: still ready), the
 * server version, pending migrations and the statements' figures (success rate, average and p99
 * time, slow ones, connection failures). Never throws.
 *
 * @example
 * this.health.check([() => this.db.pingCheck('database'), () => this.db.migrationsCheck('migrations')]);
 */
@Injectable()
export class DatabaseHealthIndicator implements OnApplicationShutdown {
  private readonly logger = new Logger('Health');
  private readonly options: ResolvedDatabaseHealthOptions;
  /** `{ pooler: 'transaction' }` behind a pooler (`DB_POOLER`), else nothing: added to the ping's details. */
  private readonly poolerDetails: { pooler?: string };
  /** `status` or `down: cause` of the last check, to log changes only. */
  private lastState: string | undefined;

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly probe: DatabaseProbe,
    private readonly database: DatabaseService,
    @Inject(DATABASE_MODULE_OPTIONS) options: DatabaseModuleOptions,
    @Optional() @Inject(HEALTH_CHECK_OBSERVER) private readonly observer?: HealthCheckObserver,
    @Optional() @Inject(READ_REPLICAS) private readonly replicas?: ReadReplicaReport | null,
  ) {
    this.options = resolveDatabaseHealthOptions(options.health);
    const pooler = poolerModeOf(options);
    this.poolerDetails = pooler === 'none' ? {} : { pooler };
  }

  /** `up` (or `degraded` with a saturated pool) when the database answers; `down` with the cause otherwise. */
  async pingCheck<const Key extends string>(
    key: Key,
    options: PingCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    return this.measured(key, async () => {
      const { connection } = this.database.getStats();
      if (connection.phase !== 'ready') return this.notConnected(connection);
      const result = await this.probe.check(options.timeoutMs ?? this.options.pingTimeoutMs);
      const stats = this.database.getStats();
      const pool = stats.pool;
      if (!result.up) {
        const { cause, code } = result.failure!;
        this.transition(`down: ${cause}`, `database down: ${cause}${code ? ` (${code})` : ''}`);
        const down = {
          message: cause,
          code,
          responseTimeMs: result.responseTimeMs,
          ...this.poolerDetails,
          pool,
          ...statementDetails(stats),
        };
        return { status: 'down', details: down };
      }
      const details = {
        responseTimeMs: result.responseTimeMs,
        serverVersion: result.serverVersion,
        readOnly: result.readOnly ?? false,
        ...this.poolerDetails,
        pool,
        pendingMigrations: result.migrations?.pending ?? null,
        ...statementDetails(stats),
      };
      if (result.readOnly) {
        // Still ready, as with a saturated pool: every replica sees the same server, and reads are served.
        this.transition('read-only', `database degraded: ${READ_ONLY_MESSAGE}`);
        return { status: 'degraded', details: { ...details, message: READ_ONLY_MESSAGE } };
      }
      if (!pool.saturated) {
        this.transition('up', `database up again (${result.responseTimeMs} ms)`);
        return { status: 'up', details };
      }
      this.transition('degraded', `database degraded: ${saturationMessage(pool)}`);
      return { status: 'degraded', details: { ...details, message: saturationMessage(pool) } };
    });
  }

  /** Applied and pending migrations; `down` on pending ones only when `failOnPending`. */
  async migrationsCheck<const Key extends string>(
    key: Key,
    options: MigrationsCheckOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    const failOnPending = options.failOnPending ?? this.options.failOnPendingMigrations;
    return this.measured(key, async () => {
      const probed = await this.probe.check(options.timeoutMs ?? this.options.pingTimeoutMs);
      const counts = probed.migrations;
      if (!counts) {
        const failure = probed.failure ?? probed.migrationsFailure;
        const details = { message: `unknown: ${failure?.cause ?? 'not read'}`, pending: null, failOnPending };
        return { status: failOnPending ? 'down' : 'degraded', details };
      }
      const { applied, pending, pendingNames } = counts;
      const details = { applied, pending, pendingNames, failOnPending };
      if (pending === 0 || !failOnPending) return { status: 'up', details };
      const message = `${pending} migration(s) pending and HEALTH_FAIL_ON_PENDING_MIGRATIONS=true`;
      return { status: 'down', details: { ...details, message } };
    });
  }

  /** Whether read replicas are configured (then readiness shows them). */
  get hasReplicas(): boolean {
    return (this.replicas?.states().length ?? 0) > 0;
  }

  /**
   * Each read replica's state (`up`, `lagging` with its lag, `down` with the cause) as of the
   * background check, and the reads each served. Never `down`: replicas are optional capacity, reads
   * fall back to the primary, so readiness stays 200 while the primary is fine; `degraded` (also
   * 200) while any replica is out of the rotation.
   */
  async replicasCheck<const Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    return this.measured(key, async () => {
      const replicas = this.replicas?.states() ?? [];
      const out = replicas.filter((r) => r.status !== 'up');
      const details = {
        replicas,
        inRotation: replicas.length - out.length,
        primaryReads: this.replicas?.stats.primaryReads ?? 0,
      };
      if (out.length === 0) return { status: 'up', details };
      const message = `${out.length} of ${replicas.length} read replica(s) out of the rotation; reads they would serve go to the primary`;
      return { status: 'degraded', details: { ...details, message } };
    });
  }

  /** `down` because the application is shutting down: readiness fails first, so traffic drains. */
  shuttingDown<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    return this.indicators.check(key).down({ message: 'shutting down' });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.probe.close();
  }

  /** `down` while the module has not connected yet (degraded start) or has closed. */
  private notConnected(connection: ConnectionState): Outcome {
    const { phase, attempts, lastFailure, nextAttemptInMs } = connection;
    const message =
      phase === 'closed'
        ? 'shutting down'
        : `not connected yet: ${lastFailure?.cause ?? 'startup under way'}; retrying in the background`;
    this.transition(`down: ${message}`, `database down: ${message}`);
    return { status: 'down', details: { message, code: lastFailure?.code, attempts, nextAttemptInMs } };
  }

  /** Runs a check, turns what it found into Terminus' result, records its duration; never throws. */
  private async measured<Key extends string>(
    key: Key,
    check: () => Promise<Outcome>,
  ): Promise<HealthIndicatorResult<Key>> {
    const started = performance.now();
    const session = this.indicators.check(key);
    let outcome: Outcome;
    try {
      outcome = await check();
    } catch (error) {
      this.logger.error(`the ${key} health check failed unexpectedly: ${(error as Error)?.message ?? error}`);
      outcome = { status: 'down', details: { message: 'unexpected error in the health check' } };
    }
    this.observer?.observeHealthCheck(key, outcome.status, performance.now() - started);
    if (outcome.status === 'up') return session.up(outcome.details);
    if (outcome.status === 'degraded') return session.degraded(outcome.details);
    return session.down(outcome.details);
  }

  /** Logs when the database's state (or the cause of its failure) changes, not on every probe. */
  private transition(state: string, message: string): void {
    if (state === this.lastState) return;
    const first = this.lastState === undefined;
    this.lastState = state;
    if (state !== 'up') this.logger.warn(message);
    else if (!first) this.logger.log(message);
  }
}
