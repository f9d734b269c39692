import type { DataSource } from 'typeorm';
import { SqlExecutor } from '../sql/sql-executor';
import { CursorCodec } from './cursor.codec';

/** Settings shared by every RepositoryService of one DataSource. */
export interface RepositoryContextOptions {
  /** Named prepared statements (`DB_PREPARED_STATEMENTS`, default true). */
  preparedStatements?: boolean;
  /** Key that signs pagination cursors (`PAGINATION_CURSOR_SECRET`); random per process when absent. */
  cursorSecret?: string;
  /** Audit trail: every write through a RepositoryService also writes rows into this table. */
  audit?: { table: string };
}

/** @internal What every RepositoryService of one DataSource shares: the executor and the cursor codec. */
export class RepositoryContext {
  readonly executor: SqlExecutor;
  readonly cursors: CursorCodec;
  /** The audit table, when auditing is on. */
  readonly auditTable?: string;

  constructor(
    readonly dataSource: DataSource,
    options: RepositoryContextOptions = {},
  ) {
    this.auditTable = options.audit?.table;
    this.executor = new SqlExecutor(dataSource, { preparedStatements: options.preparedStatements ?? true });
    this.cursors = new CursorCodec(options.cursorSecret);
  }
}
