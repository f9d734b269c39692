import type { PoolClient } from 'pg';
import { QueryFailedError } from 'typeorm';
import type { DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { isConnectionLoss } from './transaction-retry';
import type { IsolationLevel } from './transaction.options';

type Release = (error?: unknown) => void;

/** Isolation levels as SQL text: the option is typed, but a plain-JavaScript caller could pass anything. */
const ISOLATION_LEVELS: ReadonlySet<string> = new Set<IsolationLevel>([
  'READ COMMITTED',
  'REPEATABLE READ',
  'SERIALIZABLE',
]);

const TRANSACTION_EVENTS = [
  'beforeTransactionStart',
  'afterTransactionStart',
  'beforeTransactionCommit',
  'afterTransactionCommit',
  'beforeTransactionRollback',
  'afterTransactionRollback',
] as const;

/** Whether a TypeORM subscriber of `dataSource` listens to transaction events (then they go through TypeORM's query runner). */
function hasTransactionSubscribers(dataSource: DataSource): boolean {
  return dataSource.subscribers.some((subscriber: EntitySubscriberInterface) =>
    TRANSACTION_EVENTS.some((event) => typeof subscriber[event] === 'function'),
  );
}

/**
 * @internal The pool connection of one module transaction. BEGIN, COMMIT and ROLLBACK go to the pg
 * client itself (TypeORM's query runner costs an EntityManager, a broadcaster and several awaits
 * per statement); the query runner TypeORM code (injected repositories, `DataSource.manager`,
 * savepoints) needs is made on first use, bound to this connection and its open transaction. With
 * TypeORM subscribers of transaction events, the transaction runs through that runner, so they fire.
 */
export class TransactionConnection {
  /** Why the connection must leave the pool instead of going back (its socket died, or a TypeORM statement on it condemned it). */
  failure: unknown;
  private runner: QueryRunner | undefined;
  private readonly eventful: boolean;
  private readonly onError = (error: unknown): void => {
    this.failure ??= error;
  };

  private constructor(
    private readonly dataSource: DataSource,
    readonly client: PoolClient,
    private readonly done: Release,
  ) {
    // A checked-out client has no listener of the pool's: an 'error' without one would crash the process.
    client.on('error', this.onError);
    this.eventful = hasTransactionSubscribers(dataSource);
  }

  /** Takes a connection from the DataSource's primary pool. */
  static async open(dataSource: DataSource): Promise<TransactionConnection> {
    const driver = dataSource.driver as unknown as { obtainMasterConnection(): Promise<[PoolClient, Release]> };
    const [client, release] = await driver.obtainMasterConnection();
    return new TransactionConnection(dataSource, client, release);
  }

  /** TypeORM's query runner on this connection, made on first use; it is inside the open transaction. */
  get queryRunner(): QueryRunner {
    if (this.runner) return this.runner;
    const runner = this.dataSource.createQueryRunner('master');
    const query = runner.query.bind(runner);
    runner.query = async (...args: Parameters<QueryRunner['query']>) => {
      try {
        return await query(...args);
      } catch (error) {
        if (isConnectionLoss(error)) this.failure ??= error;
        throw error;
      }
    };
    // The connection is this one's, released by it: the runner's `release()` then only marks it released.
    Object.assign(runner, { databaseConnection: this.client, releaseCallback: undefined });
    if (!this.eventful) Object.assign(runner, { isTransactionActive: true, transactionDepth: 1 });
    this.runner = runner;
    return runner;
  }

  /** `BEGIN` with the isolation level and access mode in the same statement. */
  async begin(isolationLevel: IsolationLevel | undefined, readOnly: boolean): Promise<void> {
    if (isolationLevel !== undefined && !ISOLATION_LEVELS.has(isolationLevel)) {
      throw new TypeError(`unknown isolation level: ${String(isolationLevel)}`);
    }
    if (this.eventful) {
      await this.queryRunner.startTransaction(isolationLevel);
      if (readOnly) await this.queryRunner.query('SET TRANSACTION READ ONLY');
      return;
    }
    let text = 'BEGIN';
    if (isolationLevel !== undefined) text += ` ISOLATION LEVEL ${isolationLevel}`;
    if (readOnly) text += ' READ ONLY';
    await this.query(text);
  }

  async commit(): Promise<void> {
    if (this.eventful) await this.queryRunner.commitTransaction();
    else await this.query('COMMIT');
  }

  async rollback(): Promise<void> {
    if (this.eventful) await this.queryRunner.rollbackTransaction();
    else await this.query('ROLLBACK');
  }

  /** Runs `text` as TypeORM's runner would: logged, a failure logged and wrapped in `QueryFailedError`. */
  async query(text: string, values?: unknown[]): Promise<void> {
    if (this.eventful) {
      await this.queryRunner.query(text, values);
      return;
    }
    const logger = this.dataSource.logger;
    logger.logQuery(text, values);
    try {
      await this.client.query(text, values);
    } catch (error) {
      logger.logQueryError(error as Error, text, values);
      throw new QueryFailedError(text, values, error as Error);
    }
  }

  /** Gives the connection back to the pool or, after `error` or a failure seen on it, has the pool destroy it. */
  release(error?: unknown): void {
    this.client.removeListener('error', this.onError);
    if (this.runner) {
      Object.assign(this.runner, { isTransactionActive: false, transactionDepth: 0 });
      void this.runner.release().catch(() => undefined);
    }
    this.done(error ?? this.failure);
  }
}
