import type { DataSource } from 'typeorm';
import { SqlExecutor } from '../sql/sql-executor';
import { databaseConnectionOf } from '../startup/database-connection';
import { TransactionManager } from '../transactions/transaction.manager';
import { CursorCodec } from './cursor.codec';

/** Settings shared by every RepositoryService of one DataSource. */
export interface RepositoryContextOptions {
  /** Named prepared statements (`DB_PREPARED_STATEMENTS`, default true). */
  preparedStatements?: boolean;
  /** Key that signs pagination cursors (`PAGINATION_CURSOR_SECRET`); random per process when absent. */
  cursorSecret?: string;
  /** Audit trail: every write through a RepositoryService also writes rows into this table. */
  audit?: { table: string };
  /** The application's transaction manager (the module's); one of the context's own when absent. */
  transactions?: TransactionManager;
}

/**
 * @internal What every RepositoryService of one DataSource shares: the executor, the cursor codec
 * and the transaction manager (tenant-scoped TypeORM reads run in its transactions).
 */
export class RepositoryContext {
  readonly executor: SqlExecutor;
  readonly cursors: CursorCodec;
  /** The audit table, when auditing is on. */
  readonly auditTable?: string;
  private ownTransactions: TransactionManager | undefined;

  constructor(
    readonly dataSource: DataSource,
    options: RepositoryContextOptions = {},
  ) {
    this.auditTable = options.audit?.table;
    this.executor = new SqlExecutor(dataSource, { preparedStatements: options.preparedStatements ?? true });
    this.cursors = new CursorCodec(options.cursorSecret);
    this.ownTransactions = options.transactions;
  }

  /** The transaction manager: the module's, or (a context built by hand) one made on first use. */
  get transactions(): TransactionManager {
    return (this.ownTransactions ??= new TransactionManager(this.dataSource, databaseConnectionOf(this.dataSource)));
  }
}
