import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { DataSource, EntityMetadata } from 'typeorm';
import { translateDatabaseError } from '../errors/translate-database-error';

/** A statement compiled once: its text and, when prepared statements are on, its name. */
export interface Statement {
  name: string;
  text: string;
}

/** Settings of {@link SqlExecutor}. */
export interface SqlExecutorOptions {
  /** Run statements as named prepared statements (off for transaction-mode poolers). */
  preparedStatements: boolean;
}

/** Something that runs pg queries: the pool, or one checked-out client. */
export type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/**
 * Runs the repository's compiled SQL on the DataSource's own pg pool, one round trip per
 * statement, as named prepared statements when enabled; failures come back as typed errors.
 * Slow statements and failures are reported to TypeORM's logger like any other query.
 */
export class SqlExecutor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: SqlExecutorOptions,
  ) {}

  /** The DataSource's pg pool. */
  get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /** Runs a compiled statement with bound values. */
  async run<R extends QueryResultRow>(
    statement: Statement,
    values: unknown[],
    metadata?: EntityMetadata,
    on: Queryable = this.pool,
  ): Promise<QueryResult<R>> {
    const config: QueryConfig = this.options.preparedStatements
      ? { name: statement.name, text: statement.text, values }
      : { text: statement.text, values };
    return this.execute<R>(config, metadata, on);
  }

  /** Runs an ad-hoc statement (list queries) with bound values, never prepared. */
  async runText<R extends QueryResultRow>(
    text: string,
    values: unknown[],
    metadata?: EntityMetadata,
    on: Queryable = this.pool,
  ): Promise<QueryResult<R>> {
    return this.execute<R>({ text, values }, metadata, on);
  }

  private async execute<R extends QueryResultRow>(
    config: QueryConfig,
    metadata: EntityMetadata | undefined,
    on: Queryable,
  ): Promise<QueryResult<R>> {
    const started = performance.now();
    try {
      const result = await (on.query as (c: QueryConfig) => Promise<QueryResult<R>>)(config);
      const elapsed = performance.now() - started;
      const slow = this.dataSource.options.maxQueryExecutionTime;
      if (slow && elapsed > slow) this.dataSource.logger.logQuerySlow(Math.round(elapsed), config.text, config.values);
      return result;
    } catch (error) {
      this.dataSource.logger.logQueryError(error as Error, config.text, config.values);
      throw translateDatabaseError(error, metadata);
    }
  }
}
