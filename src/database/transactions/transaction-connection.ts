import type { PoolClient, QueryConfig } from 'pg';
import { QueryFailedError, TypeORMError } from 'typeorm';
import type { DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { PipelinedQuery, PrecedingStatement } from '../sql/pipelined-query';
import { isConnectionLoss } from './transaction-retry';
import type { IsolationLevel } from './transaction.options';

type Release = (error?: unknown) => void;
/** pg-pool's `connect` in its callback form. */
interface PoolWithCallbacks {
  connect(
    callback: (error: Error | undefined, client: PoolClient | undefined, release: Release | undefined) => void,
  ): void;
}

type QueryCallback = (error: Error | undefined, result: unknown) => void;
/** pg's `Client.query`, as called: `(text | config | submittable, values?, callback?)`. */
type ClientQuery = (config: unknown, values?: unknown, callback?: unknown) => unknown;

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

/** Per DataSource: its subscribers array and whether one listens to transaction events. */
const eventfulness = new WeakMap<DataSource, { subscribers: readonly unknown[]; length: number; eventful: boolean }>();

/**
 * Whether a TypeORM subscriber of `dataSource` listens to transaction events (then they go through
 * TypeORM's query runner); worked out again only when its subscribers change.
 */
function hasTransactionSubscribers(dataSource: DataSource): boolean {
  const subscribers = dataSource.subscribers;
  const known = eventfulness.get(dataSource);
  if (known && known.subscribers === subscribers && known.length === subscribers.length) return known.eventful;
  const eventful = subscribers.some((subscriber: EntitySubscriberInterface) =>
    TRANSACTION_EVENTS.some((event) => typeof subscriber[event] === 'function'),
  );
  eventfulness.set(dataSource, { subscribers, length: subscribers.length, eventful });
  return eventful;
}

/**
 * Whether pg would send `config` in the extended protocol anyway (a name, bound values): then the
 * owed statements can go in the same pipeline. Text without values goes in the simple protocol,
 * which may hold several statements; a pipeline would refuse those.
 */
function extendedProtocol(config: unknown, values: unknown): config is QueryConfig | string {
  if (config === null || config === undefined) return false;
  if (typeof config === 'string') return Array.isArray(values) && values.length > 0;
  const c = config as QueryConfig & { submit?: unknown; rows?: unknown; queryMode?: string };
  if (typeof c.submit === 'function' || c.rows !== undefined || typeof c.text !== 'string') return false;
  const bound = Array.isArray(values) ? values : c.values;
  return c.name !== undefined || c.queryMode === 'extended' || (Array.isArray(bound) && bound.length > 0);
}

/** The transaction owing statements (`BEGIN` …) on a client, while it owes them. */
const owing = new WeakMap<PoolClient, TransactionConnection>();
/**
 * @internal Whether a module transaction on `client` still owes its `BEGIN` (and what follows it):
 * its next statement carries them, so it must reach the client as a config
 * (see {@link TransactionConnection.first}).
 */
export function owesStatements(client: object): boolean {
  return owing.has(client as PoolClient);
}

/** The `query` {@link carryOwed} gave each client. */
const carriers = new WeakMap<PoolClient, ClientQuery>();

/**
 * Makes `client.query` (an own property, put once per pooled client and kept: adding and removing
 * one per transaction would cost V8's fast property access on the client) hand the statement to the
 * transaction owing statements on it, if any; otherwise it is the client's own `query`, untouched.
 * Every path into a transaction calls it: repository statements, raw SQL, TypeORM's runner (its
 * `databaseConnection` is the client), cursors, `COPY`.
 */
function carryOwed(client: PoolClient): void {
  const current = (client as unknown as { query: ClientQuery }).query;
  if (carriers.get(client) === current) return;
  // Whatever `query` the client had (pg's, or an instrumentation's own property) runs underneath.
  const own = Object.getOwnPropertyDescriptor(client, 'query')?.value as ClientQuery | undefined;
  const underneath: ClientQuery = own ?? (Object.getPrototypeOf(client) as { query: ClientQuery }).query;
  const carrier: ClientQuery = (config, values, callback) => {
    const owner = owing.get(client);
    if (owner !== undefined) return owner.first(config, values, callback);
    return underneath.call(client, config, values, callback);
  };
  carriers.set(client, carrier);
  Object.defineProperty(client, 'query', { value: carrier, configurable: true, writable: true });
}

/**
 * @internal The pool connection of one module transaction. BEGIN, COMMIT and ROLLBACK go to the pg
 * client itself (TypeORM's query runner costs an EntityManager, a broadcaster and several awaits
 * per statement); the query runner TypeORM code (injected repositories, `DataSource.manager`,
 * savepoints) needs is made on first use, bound to this connection and its open transaction. With
 * TypeORM subscribers of transaction events, the transaction runs through that runner, so they fire.
 *
 * `BEGIN` (and the statements owed after it: `SET LOCAL statement_timeout`, the tenant's
 * `set_config`) is not sent on its own: it is written ahead of the transaction's first statement,
 * in the same pipeline with one Sync ({@link PipelinedQuery}), so a transaction of n statements
 * takes n + 1 round trips, and one that runs none sends nothing (no BEGIN, no COMMIT). Whatever
 * reaches the connection first carries it: every path into the transaction (repository statements,
 * raw SQL, TypeORM's runner, cursors and `COPY`) calls the client's `query` ({@link carryOwed}). A first
 * statement that cannot share the pipeline (a cursor, a `COPY`, text without bound values, which may
 * hold several statements) is queued behind the owed ones sent alone, as before.
 */
export class TransactionConnection {
  /** Why the connection must leave the pool instead of going back (its socket died, or a TypeORM statement on it condemned it). */
  failure: unknown;
  private runner: QueryRunner | undefined;
  private readonly eventful: boolean;
  /** Statements owed before the first one (`BEGIN …` first); undefined once sent, or before `begin`. */
  private owed: PrecedingStatement[] | undefined;
  /** Whether `BEGIN` was written to the server (the transaction then needs its COMMIT or ROLLBACK). */
  private begun = false;
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

  /**
   * Takes a connection from the DataSource's primary pool: what TypeORM's `obtainMasterConnection`
   * does, in one promise instead of its four (an `async` wrapper around pg-pool's callback).
   */
  static open(dataSource: DataSource): Promise<TransactionConnection> {
    const pool = (dataSource.driver as unknown as { master?: PoolWithCallbacks }).master;
    if (!pool) return Promise.reject(new TypeORMError('Driver not Connected'));
    return new Promise((resolve, reject) => {
      pool.connect((error, client, release) =>
        error ? reject(error) : resolve(new TransactionConnection(dataSource, client!, release!)),
      );
    });
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

  /**
   * `BEGIN` with the isolation level and access mode in the same statement, then `then` (settings of
   * the transaction): owed, written ahead of the transaction's first statement (see the class), so
   * nothing to wait for. Through TypeORM's query runner (subscribers of its transaction events), each
   * is sent at once, a round trip each: the promise of that.
   */
  begin(
    isolationLevel: IsolationLevel | undefined,
    readOnly: boolean,
    then: PrecedingStatement[] = [],
  ): Promise<void> | undefined {
    if (isolationLevel !== undefined && !ISOLATION_LEVELS.has(isolationLevel)) {
      throw new TypeError(`unknown isolation level: ${String(isolationLevel)}`);
    }
    if (this.eventful) return this.beginThroughRunner(isolationLevel, readOnly, then);
    let text = 'BEGIN';
    if (isolationLevel !== undefined) text += ` ISOLATION LEVEL ${isolationLevel}`;
    if (readOnly) text += ' READ ONLY';
    this.owed = [{ text }, ...then];
    owing.set(this.client, this);
    carryOwed(this.client);
    return undefined;
  }

  private async beginThroughRunner(
    isolationLevel: IsolationLevel | undefined,
    readOnly: boolean,
    then: PrecedingStatement[],
  ): Promise<void> {
    this.begun = true;
    await this.queryRunner.startTransaction(isolationLevel);
    if (readOnly) await this.queryRunner.query('SET TRANSACTION READ ONLY');
    for (const statement of then) await this.query(statement.text, statement.values);
  }

  /** @internal The transaction's first statement (from the client's `query`), with the owed ones written ahead of it. */
  first(config: unknown, values: unknown, callback: unknown): unknown {
    const owed = this.owed!;
    this.settle();
    this.begun = true;
    const logger = this.dataSource.logger;
    for (const statement of owed) logger.logQuery(statement.text, statement.values);
    const query = this.client.query.bind(this.client) as ClientQuery;
    if (!extendedProtocol(config, values)) {
      // Alone first, queued ahead of it: a failure there (the connection lost) fails it too.
      const last = owed[owed.length - 1];
      const alone = new PipelinedQuery({ text: last.text, values: last.values, name: last.name }, owed.slice(0, -1));
      query(alone, (error: Error | undefined) => {
        if (error) this.failure ??= error;
      });
      return query(config, values, callback);
    }
    if (typeof values === 'function') [values, callback] = [undefined, values];
    const base: QueryConfig = typeof config === 'string' ? { text: config } : config;
    const pipelined = new PipelinedQuery(Array.isArray(values) ? { ...base, values } : base, owed);
    if (typeof callback === 'function') {
      query(pipelined, callback);
      return undefined;
    }
    return new Promise((resolve, reject) => {
      query(pipelined, ((error, result) => (error ? reject(error) : resolve(result))) as QueryCallback);
    });
  }

  /** Nothing is owed any more: the client's `query` is plain again. */
  private settle(): void {
    if (this.owed === undefined) return;
    this.owed = undefined;
    if (owing.get(this.client) === this) owing.delete(this.client);
  }

  /** COMMIT; nothing when no statement ran (BEGIN was never sent). */
  commit(): Promise<void> | undefined {
    if (this.eventful) return this.queryRunner.commitTransaction();
    if (this.begun) return this.query('COMMIT');
    this.settle();
    return undefined;
  }

  /** ROLLBACK; nothing when no statement ran (BEGIN was never sent). */
  rollback(): Promise<void> {
    if (this.eventful) return this.queryRunner.rollbackTransaction();
    if (this.begun) return this.query('ROLLBACK');
    this.settle();
    return Promise.resolve();
  }

  /**
   * Runs `text` as TypeORM's runner would: logged, a failure logged and wrapped in `QueryFailedError`.
   * One promise, by pg's callback form (its promise form makes two, `async`/`await` two more).
   */
  query(text: string, values?: unknown[]): Promise<void> {
    if (this.eventful) return this.queryRunner.query(text, values).then(() => undefined);
    const logger = this.dataSource.logger;
    logger.logQuery(text, values);
    return new Promise((resolve, reject) => {
      (this.client.query as ClientQuery)(text, values, (error: Error | undefined) => {
        if (!error) return resolve();
        logger.logQueryError(error, text, values);
        reject(new QueryFailedError(text, values, error));
      });
    });
  }

  /** Gives the connection back to the pool or, after `error` or a failure seen on it, has the pool destroy it. */
  release(error?: unknown): void {
    this.settle();
    this.client.removeListener('error', this.onError);
    if (this.runner) {
      Object.assign(this.runner, { isTransactionActive: false, transactionDepth: 0 });
      void this.runner.release().catch(() => undefined);
    }
    this.done(error ?? this.failure);
  }
}
