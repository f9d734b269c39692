import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import { DatabaseConnection, databaseConnectionOf } from '../startup/database-connection';
import { from as copyFromStdin, CopyStreamQuery } from 'pg-copy-streams';
import type { CustomTypesConfig, Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { DataSource, DataSourceOptions, EntityMetadata } from 'typeorm';
import { serverSqlState } from '../errors/sql-state';
import { translateDatabaseError } from '../errors/translate-database-error';
import { currentScope } from '../transactions/transaction-context';
import { owesStatements } from '../transactions/transaction-connection';
import { ReadRouter, readRouterOf } from '../replicas/read-router';
import { currentTenant } from '../tenancy/tenant-context';
import { TenantContextError } from '../tenancy/tenant.errors';
import { runAsTenantStatement, SET_TENANT_SQL } from '../tenancy/tenant-query';
import { isTenantScoped } from '../tenancy/tenant-column.decorator';
import { fastTimestampTypes } from './fast-timestamps';
import { BatchEvents, BatchStatement, PipelinedBatch } from './pipelined-batch';
import { KnownColumnsQuery } from './known-columns-query';

/** A statement compiled once: its text and, when prepared statements are on, its name. */
export interface Statement {
  name: string;
  text: string;
}

/**
 * How a read's rows come back: `'array'`, each row as its values in select-list order (no
 * per-row object keyed by column name); undefined, as objects.
 */
export type RowMode = 'array' | undefined;

/**
 * A read's own parsers for some columns of its result, made afresh for each statement: asked by
 * pg once per column of the result, in column order, with the column's type OID and the parser the
 * statement would use anyway (`base`); `undefined` keeps that one. (Included relations are read into
 * entities this way as each row arrives, while the server still produces the next ones; a cursor
 * page's sort keys are kept as the text the server sent.)
 */
export type ColumnParsers = () => (
  oid: number,
  base: (text: string) => unknown,
) => ((text: string) => unknown) | undefined;

/** A read's pg query config: pg's, with its `rowMode` (typed on `QueryArrayConfig` only). */
type ReadConfig = QueryConfig & { rowMode?: RowMode };

/** Settings of {@link SqlExecutor}. */
export interface SqlExecutorOptions {
  /** Run statements as named prepared statements (off for transaction-mode poolers). */
  preparedStatements: boolean;
}

/** Statements the executor ran and how many failed, by SQLSTATE class ({@link CLIENT_ERROR_CLASS} when none). */
export interface SqlStats {
  statements: number;
  failed: number;
  failedBySqlStateClass: Record<string, number>;
}

/** Told about every statement the executor runs (metrics); called synchronously, must not throw. */
export interface SqlObserver {
  /**
   * @param statement the compiled statement's name (`users:findById`), or undefined for ad-hoc SQL
   * @param text the SQL text
   * @param entity the table the statement is about, when known
   * @param sqlState undefined on success; on failure the SQLSTATE, or {@link CLIENT_ERROR_CLASS} when it has none
   */
  onStatement(
    statement: string | undefined,
    text: string,
    entity: string | undefined,
    durationMs: number,
    sqlState: string | undefined,
  ): void;
}

/** The SQLSTATE class of failures that carry no SQLSTATE (connection lost, pool wait timeout). */
export const CLIENT_ERROR_CLASS = 'client';

/** @internal The SQLSTATE class (its first two characters), or {@link CLIENT_ERROR_CLASS}. */
export function sqlStateClass(sqlState: string | undefined): string {
  return sqlState ? sqlState.slice(0, 2) : CLIENT_ERROR_CLASS;
}

/** @internal Whether TypeORM's `logging` option asks for every statement (`true`, `'all'`, or a list with `'query'`). */
export function logsQueries(logging: DataSourceOptions['logging']): boolean {
  return logging === true || logging === 'all' || (Array.isArray(logging) && logging.includes('query'));
}

/**
 * `config` with its inherited properties (a read's template, see `SqlExecutor.read`) as its own:
 * for code that copies a config with a spread, which copies own properties only.
 */
function ownProperties(config: QueryConfig): QueryConfig {
  const own: Record<string, unknown> = {};
  for (const key in config) own[key] = (config as unknown as Record<string, unknown>)[key];
  return own as unknown as QueryConfig;
}

/** Something that runs pg queries: the pool, or one checked-out client. */
export type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/** A pool (it lends a connection per query), not one connection: pg's Pool counts its clients. */
function isPool(on: Queryable): on is Pick<Pool, 'query'> {
  return typeof (on as Partial<Pool>).totalCount === 'number';
}

type QueryCallback<R extends QueryResultRow> = (error: Error | undefined, result: QueryResult<R>) => void;

/**
 * `on.query(query)` (a config, or a query object such as a {@link PipelinedBatch}) through pg's
 * callback form: one promise, where pg's promise form makes two on a client (its own and a `catch`
 * that rewrites the stack) and pg-pool's two more.
 */
function send<R extends QueryResultRow>(
  on: Queryable,
  query: QueryConfig | PipelinedBatch | KnownColumnsQuery,
): Promise<QueryResult<R>> {
  return new Promise((resolve, reject) => {
    (on.query as (q: typeof query, callback: QueryCallback<R>) => void)(query, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

/**
 * Runs the repository's compiled SQL on the DataSource's own pg pool, one round trip per
 * statement, as named prepared statements when enabled; failures come back as typed errors.
 * Statements (when the DataSource's `logging` asks for queries), slow statements and failures are
 * reported to TypeORM's logger like any other query, counted in `stats`, and told to the
 * `observer` (metrics) when one is set.
 */
export class SqlExecutor {
  /** Counters since start; always kept (a few integer increments). */
  readonly stats: SqlStats = { statements: 0, failed: 0, failedBySqlStateClass: {} };
  /** Receives each statement's duration and outcome; none by default. */
  observer: SqlObserver | undefined;

  /** The module's connection supervisor; absent for a DataSource opened elsewhere. */
  private readonly connection: DatabaseConnection | undefined;
  /** Whether each statement goes to `logger.logQuery`, decided once: with logging off the hot path reads one boolean. */
  private readonly logsQueries: boolean;
  /** Routes reads to replicas; undefined without replicas (then reads are plain `run`s). */
  private readonly router: ReadRouter | undefined;
  /**
   * pg's type parsers with faster (same-valued) timestamp parsing, for every statement; undefined
   * when the pool has its own `types` (TypeORM's `extra.types`), which a query's would replace.
   */
  private readonly types: QueryConfig['types'];
  /** The parsers a statement uses when a read brings its own for some columns: the pool's own `types`, else the above. */
  private readonly baseTypes: CustomTypesConfig;
  /** Per compiled statement, its read configs' shared part by row mode ({@link read}); never mutated. */
  private readonly readTemplates = new WeakMap<Statement, { array?: ReadConfig; objects?: ReadConfig }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: SqlExecutorOptions,
  ) {
    this.connection = databaseConnectionOf(dataSource);
    this.logsQueries = logsQueries(dataSource.options.logging);
    this.router = readRouterOf(dataSource);
    const extra = (dataSource.options as { extra?: { types?: unknown } }).extra;
    this.types = extra?.types === undefined ? fastTimestampTypes : undefined;
    this.baseTypes = (extra?.types as CustomTypesConfig | undefined) ?? fastTimestampTypes;
  }

  /** The query's `types`: {@link types}, or with `parsers`, those first, the rest as the statement would parse them. */
  private typesOf(parsers: ColumnParsers | undefined): QueryConfig['types'] {
    if (parsers === undefined) return this.types;
    const own = parsers();
    const base = this.baseTypes;
    return {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        const parser = base.getTypeParser(oid, format) as (text: string) => unknown;
        return ((format ?? 'text') === 'text' ? own(oid, parser) : undefined) ?? parser;
      }) as CustomTypesConfig['getTypeParser'],
    };
  }

  /** The DataSource's pg pool; throws `DatabaseUnavailableError` (503) until the database is connected. */
  get pool(): Pool {
    this.connection?.assertReady();
    const pool = this.poolIfOpen;
    if (!pool) throw DatabaseUnavailableError.because('not connected');
    return pool;
  }

  /** The DataSource's pg pool, or undefined before it connects and after it closes. */
  get poolIfOpen(): Pool | undefined {
    return (this.dataSource.driver as unknown as { master?: Pool }).master;
  }

  /** The connection of the transaction open in this async context, else the pool. */
  target(): Queryable {
    return currentScope(this.dataSource)?.frame.client ?? this.pool;
  }

  /** Runs a compiled statement with bound values, in the open transaction if there is one. */
  run<R extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
    metadata?: EntityMetadata,
    on?: Queryable,
  ): Promise<QueryResult<R>> {
    // Not `async` (see `read`); failures still come back as a rejection.
    try {
      on ??= this.target();
      if (this.router !== undefined) this.router.noteWrite(on);
      const config: QueryConfig = this.options.preparedStatements
        ? { name: statement.name, text: statement.text, values, types: this.types }
        : { text: statement.text, values, types: this.types };
      return this.execute<R>(config, metadata, on, statement.name);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Opens a transaction on `client` (a connection of its own: a stream, a COPY) with `text`
   * (`BEGIN …`), then, with a tenant in context, sets it for the transaction: a BEGIN that names
   * an isolation level cannot follow the one-round-trip setting, which would run first.
   */
  async begin(text: string, metadata: EntityMetadata | undefined, client: Pick<PoolClient, 'query'>): Promise<void> {
    const tenant = currentTenant();
    if (tenant === undefined && metadata && isTenantScoped(metadata)) throw TenantContextError.missing(metadata.name);
    await this.instrumented({ text }, metadata, undefined, () => client.query(text));
    if (tenant !== undefined) await this.runText(SET_TENANT_SQL, [tenant], metadata, client);
  }

  /** Runs an ad-hoc statement (raw SQL, list queries past the prepared bound) with bound values, never prepared. */
  async runText<R extends QueryResultRow>(
    text: string,
    values: unknown[],
    metadata?: EntityMetadata,
    on: Queryable = this.target(),
  ): Promise<QueryResult<R>> {
    if (this.router !== undefined) this.router.noteWrite(on);
    return this.execute<R>({ text, values, types: this.types }, metadata, on);
  }

  /**
   * A read: like {@link run}, but outside a transaction a healthy replica may serve it (see `ReadRouter`).
   * Not `async`, like the rest of the read path: each `async` layer that returns a promise costs
   * three more promises and two microtask turns per read (more with a request context open, whose
   * async hooks see every promise); failures still come back as a rejected promise, never a throw.
   */
  read<R extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
    metadata?: EntityMetadata,
    rowMode?: RowMode,
    parsers?: ColumnParsers,
  ): Promise<QueryResult<R>> {
    // The values are the config's only own property (and `types`, for a read bringing its own
    // column parsers: included relations); the rest is inherited from the statement's template.
    // pg copies a query's config by its own property descriptors on every query (1.4 µs for 3
    // properties, 2.3 µs for 5; 0.7 µs for this one), keeping its prototype.
    const config = Object.create(this.readTemplate(statement, rowMode)) as ReadConfig;
    config.values = values;
    return this.routedRead<R>(config, metadata, statement.name, parsers);
  }

  /** The part of `statement`'s read configs that never changes (name, text, types, row mode), made once. */
  private readTemplate(statement: Statement, rowMode: RowMode): ReadConfig {
    let templates = this.readTemplates.get(statement);
    if (!templates) this.readTemplates.set(statement, (templates = {}));
    const key = rowMode === 'array' ? 'array' : 'objects';
    let template = templates[key];
    if (!template) {
      const { name, text } = statement;
      template = templates[key] = this.options.preparedStatements
        ? { name, text, types: this.types, rowMode }
        : { text, types: this.types, rowMode };
    }
    return template;
  }

  /** A read of ad-hoc SQL: like {@link runText}, but outside a transaction a healthy replica may serve it. */
  readText<R extends QueryResultRow>(
    text: string,
    values: unknown[],
    metadata?: EntityMetadata,
    rowMode?: RowMode,
    parsers?: ColumnParsers,
  ): Promise<QueryResult<R>> {
    return this.routedRead<R>({ text, values, types: this.types, rowMode }, metadata, undefined, parsers);
  }

  /**
   * Runs a read where it belongs: the open transaction or the pool, or, with replicas, where the
   * router says. With `parsers`, each attempt gets its own (`types`): pg asks for them from the
   * first column again when a read lost on a replica runs again on the primary, and they count columns.
   */
  private routedRead<R extends QueryResultRow>(
    config: ReadConfig,
    metadata: EntityMetadata | undefined,
    name?: string,
    parsers?: ColumnParsers,
  ): Promise<QueryResult<R>> {
    try {
      if (this.router === undefined) {
        if (parsers !== undefined) config.types = this.typesOf(parsers);
        return this.execute<R>(config, metadata, this.target(), name);
      }
      this.connection?.assertReady();
      return this.router.read(
        (on) => {
          if (parsers !== undefined) config.types = this.typesOf(parsers);
          return this.execute<R>(config, metadata, on, name);
        },
        () => this.target(),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** TypeORM reads (`find`, `count`, …): one more try on the primary when a replica's connection was lost. */
  readThrough<R>(fn: () => Promise<R>): Promise<R> {
    return this.router === undefined ? fn() : this.router.retryingOnPrimary(fn);
  }

  /**
   * A connection of its own for a multi-statement read outside a transaction (a stream): a
   * replica's when one can serve (not with `primary`). Give it back with {@link releaseRead}.
   */
  connectForRead(primary = false): Promise<PoolClient> {
    if (this.router === undefined) return this.pool.connect();
    this.connection?.assertReady();
    return this.router.connectForRead(() => this.pool.connect(), primary);
  }

  /** Gives back a connection of {@link connectForRead}; after `error` the pool destroys it. */
  releaseRead(client: PoolClient, error?: Error): void {
    if (this.router === undefined) client.release(error);
    else this.router.releaseRead(client, error);
  }

  /**
   * Runs `COPY … FROM STDIN` (text format) on `client` with `chunks` as its data, as one statement:
   * all rows or, on any failure, none. An error thrown while producing `chunks` (a row the caller
   * finds invalid) aborts the COPY on the server (CopyFail) and is rethrown as it is. Returns how
   * many rows were copied.
   */
  async copyFrom(
    text: string,
    chunks: Iterable<string>,
    metadata: EntityMetadata | undefined,
    client: Pick<PoolClient, 'query'>,
  ): Promise<number> {
    if (this.router !== undefined) this.router.noteWrite(client);
    let aborted: { error: unknown } | undefined;
    function* source() {
      try {
        yield* chunks;
      } catch (error) {
        aborted = { error };
        throw error;
      }
    }
    const run = async () => {
      const copy = (client.query as unknown as (q: CopyStreamQuery) => CopyStreamQuery)(copyFromStdin(text));
      await pipeline(Readable.from(source()), copy);
      return copy.rowCount;
    };
    return this.instrumented({ text }, metadata, undefined, run, () => aborted);
  }

  /**
   * Runs `first`, then each statement `next` makes until it returns undefined, as ONE pipeline on
   * `on` ({@link PipelinedBatch}): one round trip, each statement written while the server runs the
   * one before, all in one transaction (the open one, or the pipeline's own implicit one), so a
   * failing statement writes nothing. An error thrown by `next` rolls the batch back and is rethrown
   * as it is. Not for a tenant in context (its setting would have to precede the batch): callers
   * run those statement by statement.
   */
  runBatch<R extends QueryResultRow>(
    first: BatchStatement,
    next: () => BatchStatement | undefined,
    metadata?: EntityMetadata,
    on?: Queryable,
  ): Promise<QueryResult<R>> {
    if (currentTenant() !== undefined) return Promise.reject(new Error('runBatch: not with a tenant in context'));
    try {
      on ??= this.target();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.router !== undefined) this.router.noteWrite(on);
    const named = this.options.preparedStatements;
    const unnamed = (s: BatchStatement | undefined) => s && { text: s.text, values: s.values };
    // Each statement is logged and counted as it is written, timed from the previous one's answer to its own.
    let last = performance.now();
    const events: BatchEvents = {
      written: (s) => {
        if (this.logsQueries) this.dataSource.logger.logQuery(s.text, s.values);
        this.stats.statements++;
      },
      completed: (s) => {
        const now = performance.now();
        this.succeeded(s.name, { text: s.text }, metadata, now - last);
        last = now;
      },
    };
    const batch = named
      ? new PipelinedBatch(first, next, this.types, events)
      : new PipelinedBatch(unnamed(first)!, () => unnamed(next()), this.types, events);
    return send<R>(on, batch).catch((failure: unknown) => {
      const { name, text } = batch.failing();
      throw this.failed(failure, batch.aborted, name, { text }, metadata, performance.now() - last);
    });
  }

  /** Runs `config` on `on` (as the tenant in context, if any); never throws: failures are rejections. */
  private execute<R extends QueryResultRow>(
    config: QueryConfig,
    metadata: EntityMetadata | undefined,
    on: Queryable,
    name?: string,
  ): Promise<QueryResult<R>> {
    const tenant = currentTenant();
    if (tenant === undefined) {
      if (metadata && isTenantScoped(metadata)) return Promise.reject(TenantContextError.missing(metadata.name));
    } else {
      let ownSetting: boolean;
      try {
        ownSetting = this.needsTenantSetting(on, tenant);
      } catch (error) {
        return Promise.reject(error);
      }
      if (ownSetting) {
        const own = ownProperties(config);
        return this.instrumented(own, metadata, name, () =>
          runAsTenantStatement<R>(on, own, tenant, this.options.preparedStatements),
        );
      }
    }
    // A read's config inherits from its template: pg's Query keeps the prototype (pg copies a
    // config by its own property descriptors), and so does a transaction's pipelined first statement.
    // A named statement has its result columns described once per connection, on the pool and in a
    // transaction; not a transaction's first statement: it must stay a config to carry its BEGIN in
    // one pipeline.
    const described = config.name !== undefined && (isPool(on) || !owesStatements(on));
    return this.instrumented(config, metadata, name, () =>
      send<R>(on, described ? new KnownColumnsQuery(config) : config),
    );
  }

  /**
   * Whether a statement of `tenant` on `on` must set the tenant itself: yes on the pool and on a
   * client outside a transaction (one round trip, see `tenant-query.ts`); no in a transaction,
   * whose setting was made at its start (the module's transactions, or the BEGIN of a stream or
   * COPY, itself run with the setting). A statement for another tenant than its transaction's is
   * refused: the setting could not be undone for the rest of that transaction.
   */
  private needsTenantSetting(on: Queryable, tenant: string): boolean {
    const scope = currentScope(this.dataSource);
    if (scope && scope.frame.client === on) {
      if (scope.frame.tenant !== tenant) throw TenantContextError.switchedInTransaction();
      return false;
    }
    const status = (on as { getTransactionStatus?(): string | null }).getTransactionStatus?.();
    return status === undefined || status === 'I';
  }

  /**
   * Counts, times, logs and tells the observer about one statement; failures become typed errors.
   * `abortedBy` tells a failure the caller caused (its own error, rethrown unlogged and untranslated).
   */
  private instrumented<R>(
    config: QueryConfig,
    metadata: EntityMetadata | undefined,
    name: string | undefined,
    run: () => Promise<R>,
    abortedBy?: () => { error: unknown } | undefined,
  ): Promise<R> {
    // Before it runs, as TypeORM's query runner does: a statement that hangs is already in the log.
    if (this.logsQueries) this.dataSource.logger.logQuery(config.text, config.values);
    const started = performance.now();
    this.stats.statements++;
    let running: Promise<R>;
    try {
      running = run();
    } catch (failure) {
      running = Promise.reject(failure);
    }
    // `then` rather than `async`/`await`: one promise per statement instead of two.
    return running.then(
      (result) => {
        this.succeeded(name, config, metadata, performance.now() - started);
        return result;
      },
      (failure: unknown) => {
        throw this.failed(failure, abortedBy?.(), name, config, metadata, performance.now() - started);
      },
    );
  }

  /** A statement that succeeded after `elapsed` ms: logged when slow, told to the observer. */
  private succeeded(
    name: string | undefined,
    config: QueryConfig,
    metadata: EntityMetadata | undefined,
    elapsed: number,
  ): void {
    const slow = this.dataSource.options.maxQueryExecutionTime;
    if (slow && elapsed > slow) this.dataSource.logger.logQuerySlow(Math.round(elapsed), config.text, config.values);
    this.observer?.onStatement(name, config.text, metadata?.tableName, elapsed, undefined);
  }

  /**
   * A statement that failed after `elapsed` ms: counted, told to the observer, and the error to
   * throw: the caller's own when it `aborted` it (unlogged, untranslated), else the typed one.
   */
  private failed(
    failure: unknown,
    aborted: { error: unknown } | undefined,
    name: string | undefined,
    config: QueryConfig,
    metadata: EntityMetadata | undefined,
    elapsed: number,
  ): unknown {
    const error = aborted ? undefined : failure;
    const sqlState = serverSqlState(error);
    const failedClass = sqlStateClass(sqlState);
    this.stats.failed++;
    this.stats.failedBySqlStateClass[failedClass] = (this.stats.failedBySqlStateClass[failedClass] ?? 0) + 1;
    this.observer?.onStatement(name, config.text, metadata?.tableName, elapsed, sqlState ?? CLIENT_ERROR_CLASS);
    if (aborted) return aborted.error;
    this.dataSource.logger.logQueryError(error as Error, config.text, config.values);
    return translateDatabaseError(error, metadata);
  }
}
