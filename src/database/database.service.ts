import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { RepositoryContext } from './repository/repository.context';
import { REPOSITORY_CONTEXT } from './repository/repository.tokens';
import type { SqlObserver, SqlStats } from './sql/sql-executor';
import { StatementTimings, StatementTimingStats } from './stats/statement-timings';
import { ConnectionState, DatabaseConnection } from './startup/database-connection';
import { TransactionManager, TransactionStats } from './transactions/transaction.manager';
import type { TransactionOptions } from './transactions/transaction.options';

/** Connections of the pool now. */
export interface PoolStats {
  /** Open connections, busy or idle. */
  total: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  max: number;
  /** Every connection open and busy, and callers waiting: the pool, not the database, is the limit. */
  saturated: boolean;
}

/** Figures of the pool, the statements and the transactions, for code (the same ones `/metrics` shows). */
export interface DatabaseStats {
  pool: PoolStats;
  /** Statements run through RepositoryService and `query`/`execute`, and their failures by SQLSTATE class. */
  queries: SqlStats;
  /** The same statements' success rate, average and p99 duration, slow ones and connection failures. */
  statements: StatementTimingStats;
  transactions: TransactionStats;
  /** Connected, or still connecting in the background (degraded start) and why. */
  connection: ConnectionState;
}

/** @internal The pool's gauges and whether it is saturated; all zero while no pool is open. */
export function poolStats(pool: Pool | undefined, configuredMax = 0): PoolStats {
  if (!pool) return { total: 0, idle: 0, waiting: 0, max: configuredMax, saturated: false };
  const { totalCount: total, idleCount: idle, waitingCount: waiting } = pool;
  const max = (pool as Pool & { options: { max: number } }).options.max;
  return { total, idle, waiting, max, saturated: waiting > 0 && idle === 0 && total >= max };
}

/**
 * Transactions that flow through async calls, raw SQL that joins them, after-commit hooks and stats.
 *
 * @example
 * await this.db.transaction(async () => {
 *   await this.users.update(id, patch);            // joins
 *   await this.db.execute('UPDATE counters SET n = n + 1 WHERE id = $1', [id]); // joins
 *   this.db.onCommit(() => this.mailer.send(...)); // only after COMMIT
 * }, { isolationLevel: 'SERIALIZABLE' });
 */
@Injectable()
export class DatabaseService {
  /** Always told about every statement; forwards to the observer of {@link observeQueries}. */
  private readonly timings: StatementTimings;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionManager,
    @Inject(REPOSITORY_CONTEXT) private readonly context: RepositoryContext,
    private readonly connection: DatabaseConnection,
  ) {
    this.timings = new StatementTimings(dataSource.options.maxQueryExecutionTime);
    this.timings.next = context.executor.observer;
    context.executor.observer = this.timings;
  }

  /** Runs `fn` in a transaction (joined, new, nested, … per `options.propagation`). */
  transaction<R>(fn: () => Promise<R>, options?: TransactionOptions): Promise<R> {
    return this.transactions.run(fn, options);
  }

  /** Whether a transaction is open in this async context. */
  get inTransaction(): boolean {
    return this.transactions.inTransaction;
  }

  /** Runs `hook` after the outermost transaction commits, never after a rollback; at once outside one. */
  onCommit(hook: () => unknown): void {
    this.transactions.onCommit(hook);
  }

  /** Rows of a SQL statement with bound parameters (`$1`, `$2`, …); joins the open transaction. */
  async query<R extends Record<string, any> = Record<string, any>>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.context.executor.runText<R>(sql, params)).rows;
  }

  /** The first row, or `null`. */
  async queryOne<R extends Record<string, any> = Record<string, any>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<R | null> {
    return (await this.query<R>(sql, params))[0] ?? null;
  }

  /** Runs a statement and returns how many rows it affected. */
  async execute(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.context.executor.runText(sql, params)).rowCount ?? 0;
  }

  /** Pool gauges, statement and transaction counters and timings: a snapshot, safe to keep. */
  getStats(): DatabaseStats {
    const queries = this.context.executor.stats;
    const transactions = this.transactions.stats;
    return {
      pool: poolStats(this.context.executor.poolIfOpen, (this.dataSource.options as { poolSize?: number }).poolSize),
      queries: { ...queries, failedBySqlStateClass: { ...queries.failedBySqlStateClass } },
      statements: this.timings.snapshot(),
      transactions: { ...transactions, retriesBySqlState: { ...transactions.retriesBySqlState } },
      connection: this.connection.state,
    };
  }

  /** Sets (or, with undefined, removes) the observer told about every statement `query`, `execute` and RepositoryService run. */
  observeQueries(observer: SqlObserver | undefined): void {
    this.timings.next = observer;
  }
}
