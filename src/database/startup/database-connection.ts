import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { DEFAULT_CONNECT_TIMEOUT_MS } from '../database.constants';
import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import { translateDatabaseError } from '../errors/translate-database-error';
import { ConnectionFailure, describeConnectionFailure, isTlsFailure } from '../health/connection-failure';
import { MigrationGuardError } from '../migrations/migration-guard.error';
import type { GuardedDataSource } from '../migrations/guarded.data-source';
import { DatabaseConfigError } from '../errors/database-config.error';
import { poolerConfigRefusal } from '../pooler/pooler-refusal';
import { verifySessionTimeouts } from '../pooler/session-timeouts';
import { ConnectPolicy, nextDelay } from './connect-policy';
import { warmPool } from './pool-warmup';

/** Where the DataSource is: still trying, serving, or shut down. */
export type ConnectionPhase = 'connecting' | 'ready' | 'closed';

/** The connection's state, for health checks and `DatabaseService.getStats()`. */
export interface ConnectionState {
  phase: ConnectionPhase;
  /** Connection attempts so far (1 once the first one ran). */
  attempts: number;
  /** Why the last attempt failed, while still connecting. */
  lastFailure?: ConnectionFailure;
  /** When the next attempt starts, while waiting for it. */
  nextAttemptInMs?: number;
}

// SQLSTATEs no retry fixes at startup: bad password, unknown database or role, unsupported feature.
const PERMANENT_SQLSTATES = new Set(['28P01', '28000', '3D000', '42704', '0A000']);

/** @internal The server cannot be reached or does not take connections now: what degraded start waits out. */
export function isUnreachable(error: unknown): boolean {
  if (translateDatabaseError(error) instanceof DatabaseUnavailableError) return true;
  // Node's happy-eyeballs connect (a host name with several addresses) rejects with an AggregateError.
  const parts = (error as { errors?: unknown[] } | null)?.errors;
  return Array.isArray(parts) && parts.length > 0 && parts.every(isUnreachable);
}

/**
 * @internal A failure that waiting does not fix: credentials, unknown database, TLS verification,
 * migration guard refusals, configuration a pooler refuses or the server does not apply.
 */
export function isPermanentStartupFailure(error: unknown): boolean {
  return (
    error instanceof MigrationGuardError ||
    error instanceof DatabaseConfigError ||
    PERMANENT_SQLSTATES.has((error as { code?: string })?.code ?? '') ||
    isTlsFailure(error)
  );
}

const connections = new WeakMap<DataSource, DatabaseConnection>();

/** @internal The connection supervisor of a DataSource the module opened, if any. */
export function databaseConnectionOf(dataSource: DataSource): DatabaseConnection | undefined {
  return connections.get(dataSource);
}

/**
 * Opens the module's DataSource and, when the database cannot be reached at startup, keeps the
 * application up in a degraded state: entity metadata are built without a server, every statement
 * fails fast with {@link DatabaseUnavailableError} (HTTP 503), readiness says why, and connection
 * attempts continue in the background with exponential backoff and jitter until the database
 * answers and startup migrations (if enabled) have run. No restart is needed.
 *
 * With `requireAtStartup` (the default in production, `DB_REQUIRE_AT_STARTUP=true`) startup
 * instead fails after `retryAttempts` extra attempts, as `@nestjs/typeorm` does.
 */
export class DatabaseConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('DatabaseConnection');
  private phase: ConnectionPhase = 'connecting';
  private attempts = 0;
  private lastFailure: ConnectionFailure | undefined;
  private nextAttemptAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;

  private constructor(
    private readonly dataSource: GuardedDataSource,
    private readonly policy: ConnectPolicy,
  ) {
    connections.set(dataSource, this);
  }

  /**
   * Connects `dataSource` (initialize, startup migrations) per `policy`. Resolves once it is ready,
   * or, when degraded start is allowed and the failure is transient, once reconnecting goes on in the background.
   * Rejects on a permanent failure, or when the database is required and the attempts run out.
   */
  static async open(dataSource: GuardedDataSource, policy: ConnectPolicy): Promise<DatabaseConnection> {
    const connection = new DatabaseConnection(dataSource, policy);
    for (;;) {
      const failure = await connection.tryOnce();
      if (!failure) return connection;
      // A pooler's refusal of the configuration (08P01 unsupported startup parameter) is no outage.
      const error = poolerConfigRefusal(failure, dataSource.pooler) ?? failure;
      if (isPermanentStartupFailure(error)) throw error;
      if (!policy.requireAtStartup) {
        // Degraded start waits out an unreachable server, not a server that answers with an error.
        if (!isUnreachable(error)) throw error;
        await dataSource.prepareMetadata();
        connection.logger.warn(
          `starting without the database (${connection.lastFailure!.cause}); requests that need it answer 503 ` +
            'and readiness is down until it answers; retrying in the background (DB_REQUIRE_AT_STARTUP=true fails instead)',
        );
        connection.schedule();
        return connection;
      }
      if (connection.attempts > policy.retryAttempts) throw error;
      const delay = nextDelay(policy, connection.attempts);
      connection.logger.warn(
        `cannot connect to the database (${connection.lastFailure!.cause}); attempt ${connection.attempts + 1} of ` +
          `${policy.retryAttempts + 1} in ${delay} ms`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** The phase, attempts and last failure now. */
  get state(): ConnectionState {
    const nextAttemptInMs =
      this.nextAttemptAt === undefined ? undefined : Math.max(0, Math.round(this.nextAttemptAt - Date.now()));
    return { phase: this.phase, attempts: this.attempts, lastFailure: this.lastFailure, nextAttemptInMs };
  }

  /** Throws {@link DatabaseUnavailableError} (503) unless the DataSource is connected and migrated. */
  assertReady(): void {
    if (this.phase === 'ready') return;
    if (this.phase === 'closed') throw DatabaseUnavailableError.because('the application is shutting down');
    const cause = this.lastFailure ? `not connected yet (${this.lastFailure.cause})` : 'still starting';
    throw DatabaseUnavailableError.because(cause);
  }

  /** Stops reconnecting; waits for an attempt under way and closes what it opened. */
  async onApplicationShutdown(): Promise<void> {
    if (this.phase === 'closed') return;
    const wasReady = this.phase === 'ready';
    this.phase = 'closed';
    clearTimeout(this.timer);
    this.nextAttemptAt = undefined;
    await this.attempt;
    // When ready, @nestjs/typeorm closes the DataSource; an attempt that finished during shutdown is ours to close.
    if (!wasReady && this.dataSource.isInitialized) await this.dataSource.destroy().catch(() => undefined);
  }

  /** One attempt; resolves with its error, or undefined once ready. */
  private async tryOnce(): Promise<unknown> {
    this.attempts++;
    try {
      await this.dataSource.initialize();
      await this.verifySessionTimeouts();
      if (this.policy.failOnSchemaDrift) await this.refuseSchemaDrift();
    } catch (error) {
      const timeoutMs =
        (this.dataSource.options as { connectTimeoutMS?: number }).connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS;
      this.lastFailure =
        error instanceof MigrationGuardError
          ? { cause: error.reason === 'schema-drift' ? error.message : `startup migrations refused: ${error.message}` }
          : describeConnectionFailure(error, timeoutMs);
      return error;
    }
    if (this.isClosed()) return undefined; // shut down meanwhile: onApplicationShutdown closes it
    this.phase = 'ready';
    this.lastFailure = undefined;
    void this.openMinimum();
    return undefined;
  }

  /**
   * Opens the pool's `DB_POOL_MIN` connections in the background once connected (at startup, or
   * when degraded start reconnects), so readiness does not wait for them. A failure is logged only:
   * the pool opens connections on demand anyway.
   */
  private async openMinimum(): Promise<void> {
    const min = (this.dataSource.options as { extra?: { min?: number } }).extra?.min ?? 0;
    const pool = (this.dataSource.driver as unknown as { master?: Pool }).master;
    if (min <= 0 || !pool) return;
    try {
      const opened = await warmPool(pool, min);
      if (opened > 0) this.logger.log(`opened ${opened} connection(s): the pool holds DB_POOL_MIN=${min}`);
    } catch (error) {
      if (this.isClosed()) return;
      this.logger.warn(
        `could not open the pool's DB_POOL_MIN=${min} connections: ${(error as Error)?.message ?? error}; ` +
          'they open on demand',
      );
    }
  }

  /**
   * `DB_FAIL_ON_SCHEMA_DRIFT`: compares the entities with the schema (after startup migrations,
   * under the migration lock so a run in progress is waited for) and throws when they differ.
   * Either way a failure closes what `initialize()` opened, so a later attempt starts clean.
   */
  private async refuseSchemaDrift(): Promise<void> {
    try {
      const drift = await this.dataSource.migrationGuard.drift();
      if (drift.length > 0) throw MigrationGuardError.schemaDrift(drift);
    } catch (error) {
      await this.dataSource.destroy().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Checks, once, that a pooled session has the configured `statement_timeout` and
   * `idle_in_transaction_session_timeout`: behind a pooler they are the role's settings, and with
   * none a session without them means a pooler is there anyway. A mismatch closes what
   * `initialize()` opened and fails startup, naming the `ALTER ROLE` that fixes it.
   */
  private async verifySessionTimeouts(): Promise<void> {
    try {
      await verifySessionTimeouts(this.dataSource, this.dataSource.pooler, this.dataSource.sessionTimeouts);
    } catch (error) {
      await this.dataSource.destroy().catch(() => undefined);
      throw error;
    }
  }

  /** Read through a method: the phase changes across awaits, which narrowing does not see. */
  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private schedule(): void {
    const delay = nextDelay(this.policy, this.attempts);
    this.nextAttemptAt = Date.now() + delay;
    this.timer = setTimeout(() => void this.background(), delay);
    this.timer.unref();
  }

  private async background(): Promise<void> {
    if (this.phase !== 'connecting') return;
    this.nextAttemptAt = undefined;
    const run = this.tryOnce();
    this.attempt = run.then(() => undefined);
    const error = await run;
    this.attempt = undefined;
    if (this.isClosed()) return;
    if (!error) {
      this.logger.log(`connected to the database after ${this.attempts} attempts; serving normally`);
      return;
    }
    this.schedule();
    // The server answered but something failed (a migration, permissions): its message says what.
    const detail = isUnreachable(error) ? '' : `: ${(error as Error)?.message ?? error}`;
    this.logger[detail ? 'error' : 'warn'](
      `database still not ready (${this.lastFailure!.cause}${detail}); attempt ${this.attempts} failed, next in ${this.state.nextAttemptInMs} ms`,
    );
  }
}
