import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { currentScope, runInScope, TransactionFrame, TransactionScope } from './transaction-context';
import {
  ReadOnlyTransactionError,
  TransactionOutcomeUnknownError,
  TransactionPropagationError,
  TransactionRolledBackError,
} from './transaction.errors';
import { DatabaseConnection } from '../startup/database-connection';
import { DatabaseWiringError } from '../errors/database-wiring.error';
import { READ_ONLY_SQL_TRANSACTION, sqlStateOf } from '../errors/sql-state';
import { isConnectionLoss, isRetryable, retryDelay } from './transaction-retry';
import { DEFAULT_TRANSACTION_RETRIES, Propagation, TransactionOptions } from './transaction.options';
import { currentTenant } from '../tenancy/tenant-context';
import { TransactionConnection } from './transaction-connection';
import { tenantSetting } from '../tenancy/tenant-query';
import type { PrecedingStatement } from '../sql/pipelined-query';

/** The frame of a transaction on a {@link TransactionConnection} (a class: its getters are made once, not per transaction). */
class ConnectionFrame implements TransactionFrame {
  readonly client: PoolClient;
  rollbackOnly = false;
  savepoints = 0;

  constructor(
    private readonly connection: TransactionConnection,
    readonly tenant: string | undefined,
  ) {
    this.client = connection.client;
  }

  get queryRunner(): QueryRunner {
    return this.connection.queryRunner;
  }

  get manager(): EntityManager {
    return this.connection.queryRunner.manager;
  }
}

/** Counters of one DataSource's transactions. */
export interface TransactionStats {
  committed: number;
  rolledBack: number;
  retries: number;
  /** Retries by SQLSTATE (`connection` for a lost connection). */
  retriesBySqlState: Record<string, number>;
}

/**
 * Opens, joins, nests and retries transactions in the async context (nestjs-cls), so every
 * repository call, injected TypeORM repository and `DataSource.manager` use inside joins them.
 */
@Injectable()
export class TransactionManager implements OnModuleInit, OnApplicationShutdown {
  private static active: TransactionManager | undefined;
  private readonly logger = new Logger('Transactions');
  readonly stats: TransactionStats = { committed: 0, rolledBack: 0, retries: 0, retriesBySqlState: {} };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    /** The module's connection supervisor; absent for a DataSource opened elsewhere. */
    @Optional() private readonly connection?: DatabaseConnection,
  ) {}

  /** @internal The manager `@Transactional()` methods of objects Nest did not build use: the running application's. */
  static forDecorators(method: string): TransactionManager {
    if (!TransactionManager.active) throw DatabaseWiringError.transactionalCall(method);
    return TransactionManager.active;
  }

  onModuleInit(): void {
    TransactionManager.active = this;
  }

  /** After requests drained (Nest's `onModuleDestroy` runs before that, while requests still use `@Transactional()`). */
  onApplicationShutdown(): void {
    if (TransactionManager.active === this) TransactionManager.active = undefined;
  }

  /** Whether a transaction is open in this async context. */
  get inTransaction(): boolean {
    return currentScope(this.dataSource) !== undefined;
  }

  /** Runs `fn` in a transaction as `options.propagation` says; see {@link TransactionOptions}. */
  run<R>(fn: () => Promise<R>, options: TransactionOptions = {}): Promise<R> {
    const scope = currentScope(this.dataSource);
    switch (options.propagation ?? Propagation.Required) {
      case Propagation.Mandatory:
        if (!scope) return Promise.reject(TransactionPropagationError.mandatory());
        return this.join(scope, fn);
      case Propagation.Never:
        if (scope) return Promise.reject(TransactionPropagationError.never());
        return fn();
      case Propagation.RequiresNew:
        return this.outermost(fn, options);
      case Propagation.Nested:
        return scope ? this.savepoint(scope, fn) : this.outermost(fn, options);
      default:
        return scope ? this.join(scope, fn) : this.outermost(fn, options);
    }
  }

  /** Runs `hook` once the outermost transaction commits (never after a rollback); at once outside one. */
  onCommit(hook: () => unknown): void {
    const scope = currentScope(this.dataSource);
    if (scope) scope.hooks.push(hook);
    else void this.runHooks([hook]);
  }

  private async join<R>(scope: TransactionScope, fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (error) {
      scope.frame.rollbackOnly = true;
      throw error;
    }
  }

  private async savepoint<R>(scope: TransactionScope, fn: () => Promise<R>): Promise<R> {
    const { frame } = scope;
    const name = `nested_${++frame.savepoints}`;
    await frame.queryRunner.query(`SAVEPOINT ${name}`);
    const inner: TransactionScope = { frame, hooks: [] };
    try {
      const result = await runInScope(this.dataSource, inner, fn);
      await frame.queryRunner.query(`RELEASE SAVEPOINT ${name}`);
      scope.hooks.push(...inner.hooks);
      return result;
    } catch (error) {
      // The savepoint's work (and its hooks) is undone; the outer work stays.
      await frame.queryRunner.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => (frame.rollbackOnly = true));
      throw error;
    }
  }

  private outermost<R>(fn: () => Promise<R>, options: TransactionOptions): Promise<R> {
    try {
      this.connection?.assertReady(); // not connected yet: 503 at once, no retries
    } catch (error) {
      return Promise.reject(error);
    }
    return this.attempt(fn, options, 1);
  }

  /** One attempt; a retryable failure tries again. `then`, not `async`/`await`: one promise, not two. */
  private attempt<R>(fn: () => Promise<R>, options: TransactionOptions, attempt: number): Promise<R> {
    return this.once(fn, options).then(undefined, (error: unknown) => this.retryAfter(error, fn, options, attempt));
  }

  private async retryAfter<R>(
    error: unknown,
    fn: () => Promise<R>,
    options: TransactionOptions,
    attempt: number,
  ): Promise<R> {
    const retries = options.retries ?? DEFAULT_TRANSACTION_RETRIES;
    if (error instanceof TransactionOutcomeUnknownError || error instanceof ReadOnlyTransactionError) throw error;
    if (attempt > retries || !isRetryable(error)) throw error;
    const code = sqlStateOf(error);
    const reason =
      code === READ_ONLY_SQL_TRANSACTION ? code : isConnectionLoss(error) ? 'connection' : (code ?? 'unknown');
    this.stats.retries++;
    this.stats.retriesBySqlState[reason] = (this.stats.retriesBySqlState[reason] ?? 0) + 1;
    this.logger.warn(
      `transaction attempt ${attempt} failed (SQLSTATE ${reason}); retrying, ${retries - attempt} retries left after this one`,
    );
    await new Promise((resolve) => setTimeout(resolve, retryDelay(attempt)));
    return this.attempt(fn, options, attempt + 1);
  }

  private async once<R>(fn: () => Promise<R>, options: TransactionOptions): Promise<R> {
    let connection: TransactionConnection | undefined;
    let open = false;
    let committing = false;
    /** A lost connection, or one to a server that takes no writes: its client must leave the pool, not go back to it. */
    let broken: unknown;
    try {
      connection = await TransactionConnection.open(this.dataSource);
      const held = connection;
      // Settings of the transaction, written (with BEGIN) ahead of its first statement.
      const settings: PrecedingStatement[] = [];
      if (options.timeoutMs !== undefined) {
        settings.push({ text: `SET LOCAL statement_timeout = ${Math.max(1, Math.floor(Number(options.timeoutMs)))}` });
      }
      const tenant = currentTenant();
      if (tenant !== undefined) settings.push(tenantSetting(tenant, false));
      // Owed (nothing to wait for) unless the transaction goes through TypeORM's query runner.
      const beginning = held.begin(options.isolationLevel, options.readOnly === true, settings);
      if (beginning) await beginning;
      open = true;
      const frame = new ConnectionFrame(held, tenant);
      const scope: TransactionScope = { frame, hooks: [] };
      const result = await runInScope(this.dataSource, scope, fn);
      if (frame.rollbackOnly) throw TransactionRolledBackError.innerFailure(undefined);
      committing = true;
      await held.commit();
      open = false;
      this.stats.committed++;
      if (scope.hooks.length) await this.runHooks(scope.hooks);
      return result;
    } catch (error) {
      // 25006 in a transaction the caller opened read-only is the caller's write, not a failover.
      const ownReadOnly = options.readOnly === true && sqlStateOf(error) === READ_ONLY_SQL_TRANSACTION;
      if (!ownReadOnly && isConnectionLoss(error)) broken = error;
      if (committing && broken) {
        this.stats.rolledBack++;
        throw TransactionOutcomeUnknownError.duringCommit(error);
      }
      if (connection && open && !broken) {
        await connection.rollback().catch((rollbackError: unknown) => {
          if (isConnectionLoss(rollbackError)) broken = rollbackError;
        });
      }
      this.stats.rolledBack++;
      throw ownReadOnly ? ReadOnlyTransactionError.writeRefused(error) : error;
    } finally {
      connection?.release(broken);
    }
  }

  private async runHooks(hooks: Array<() => unknown>): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        this.logger.error(`an after-commit hook failed: ${(error as Error)?.message ?? error}`);
      }
    }
  }
}
