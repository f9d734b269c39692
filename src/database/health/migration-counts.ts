import type { DataSource, QueryRunner } from 'typeorm';
import { GuardedMigrationExecutor } from '../migrations/guarded-migration.executor';
import { resolveMigrationGuardOptions } from '../migrations/migration-guard.options';
import { MigrationHistory } from '../migrations/migration-history';
import { CodeMigration, migrationStatus } from '../migrations/migration-status';

/** Applied and pending migrations, as the health check reports them. */
export interface MigrationCounts {
  applied: number;
  pending: number;
  /** Names of the pending migrations, in the order they would run. */
  pendingNames: string[];
}

/** What {@link MigrationCounter} needs of a connection: a query that returns rows. */
export type RowQuery = (sql: string, parameters?: unknown[]) => Promise<any[]>;

/**
 * @internal Counts applied and pending migrations on any connection (the health check's own),
 * judged by the migration guard's `migrationStatus()` over the guard's own table reader, so
 * `/health`, `migration:show` and `migration:check` always agree.
 */
export class MigrationCounter {
  private readonly history: MigrationHistory;
  private code: CodeMigration[] | undefined;

  constructor(private readonly dataSource: DataSource) {
    this.history = new MigrationHistory(dataSource);
  }

  /** Reads the migrations table with `query` and compares it with the code's migrations. */
  async read(query: RowQuery): Promise<MigrationCounts> {
    // MigrationHistory only calls `query` on the runner.
    const runner = { query } as Pick<QueryRunner, 'query'> as QueryRunner;
    return this.count(await this.history.readApplied(runner));
  }

  /** The statement that reads the applied migrations (it fails while the table does not exist). */
  get appliedSql(): string {
    return this.history.appliedSql;
  }

  /** {@link appliedSql} with `columns` (SQL the caller owns, never input) on every row. */
  appliedSqlWith(columns: string): string {
    return this.history.appliedSqlWith(columns);
  }

  /** Counts from the rows {@link appliedSql} returned. */
  countRows(rows: any[]): MigrationCounts {
    return this.count(MigrationHistory.applied(rows));
  }

  private count(applied: ReturnType<typeof MigrationHistory.applied>): MigrationCounts {
    // Listing the code's migrations calls nothing on the runner.
    this.code ??= new GuardedMigrationExecutor(
      this.dataSource,
      {} as QueryRunner,
      this.history,
      resolveMigrationGuardOptions(),
    ).codeMigrations();
    const status = migrationStatus(this.code, applied, new Map());
    return {
      applied: status.applied.length,
      pending: status.pending.length,
      pendingNames: status.pending.map((m) => m.name),
    };
  }
}
