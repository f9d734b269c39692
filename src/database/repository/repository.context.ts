import type { DataSource } from 'typeorm';
import { SqlExecutor } from '../sql/sql-executor';
import { CursorCodec } from './cursor.codec';

/** Settings shared by every RepositoryService of one DataSource. */
export interface RepositoryContextOptions {
  /** Named prepared statements (`DB_PREPARED_STATEMENTS`, default true). */
  preparedStatements?: boolean;
  /** Key that signs pagination cursors (`PAGINATION_CURSOR_SECRET`); random per process when absent. */
  cursorSecret?: string;
}

/** @internal What every RepositoryService of one DataSource shares: the executor and the cursor codec. */
export class RepositoryContext {
  readonly executor: SqlExecutor;
  readonly cursors: CursorCodec;

  constructor(
    readonly dataSource: DataSource,
    options: RepositoryContextOptions = {},
  ) {
    this.executor = new SqlExecutor(dataSource, { preparedStatements: options.preparedStatements ?? true });
    this.cursors = new CursorCodec(options.cursorSecret);
  }
}
