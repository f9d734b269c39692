import type { DataSource, QueryRunner } from 'typeorm';
import { MIGRATION_CHECKSUMS_TABLE_SUFFIX, MIGRATIONS_TABLE_NAME } from '../database.constants';
import { quoteIdentifier } from '../sql/quote-identifier';
import type { AppliedMigration } from './migration-status';

/**
 * @internal TypeORM's migrations table and the guard's checksums table next to it
 * (`migrations_checksums(name, checksum, applied_at, execution_ms)`), read and written on one
 * query runner so they share the run's session, lock and transactions.
 */
export class MigrationHistory {
  /** Unquoted `schema.table` of the migrations table, as `to_regclass` and the lock key take it. */
  readonly migrationsTable: string;
  private readonly migrations: string;
  private readonly checksums: string;
  private readonly checksumsName: string;

  constructor(dataSource: DataSource) {
    const schema = (dataSource.options as { schema?: string }).schema;
    const table = dataSource.options.migrationsTableName ?? MIGRATIONS_TABLE_NAME;
    const qualify = (name: string) =>
      schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(name)}` : quoteIdentifier(name);
    this.migrationsTable = schema ? `${schema}.${table}` : table;
    this.checksumsName = `${table}${MIGRATION_CHECKSUMS_TABLE_SUFFIX}`;
    this.migrations = qualify(table);
    this.checksums = qualify(this.checksumsName);
  }

  /** Applied migrations, oldest first; none when the migrations table does not exist yet. */
  async readApplied(runner: QueryRunner): Promise<AppliedMigration[]> {
    if (!(await this.exists(runner, this.migrations))) return [];
    return MigrationHistory.applied(await runner.query(this.appliedSql));
  }

  /** The statement {@link readApplied} reads with, for a caller that sends it with others (it fails without the table). */
  get appliedSql(): string {
    return `SELECT id, name, timestamp FROM ${this.migrations} ORDER BY id`;
  }

  /** {@link appliedSql} with more columns (SQL the caller owns, never input) in front of each row's. */
  appliedSqlWith(columns: string): string {
    return `SELECT ${columns}, id, name, timestamp FROM ${this.migrations} ORDER BY id`;
  }

  /** Rows of {@link appliedSql} as applied migrations. */
  static applied(rows: Array<{ id: number | string; name: string; timestamp: number | string }>): AppliedMigration[] {
    return rows.map((r) => ({ id: Number(r.id), name: r.name, timestamp: Number(r.timestamp) }));
  }

  /** Recorded checksums by migration name; none when the table does not exist yet. */
  async readChecksums(runner: QueryRunner): Promise<Map<string, string>> {
    if (!(await this.exists(runner, this.checksums))) return new Map();
    const rows: Array<{ name: string; checksum: string }> = await runner.query(
      `SELECT name, checksum FROM ${this.checksums}`,
    );
    return new Map(rows.map((r) => [r.name, r.checksum]));
  }

  /** Creates the checksums table unless it exists (under the migration lock, so never twice at once). */
  async ensureChecksumsTable(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE TABLE IF NOT EXISTS ${this.checksums} (
         name varchar(255) NOT NULL,
         checksum varchar(100) NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         execution_ms integer,
         CONSTRAINT ${quoteIdentifier(`pk_${this.checksumsName}`)} PRIMARY KEY (name)
       )`,
    );
  }

  /** Records (or replaces) the checksum of `name`; `executionMs` is null when it did not run here. */
  async record(runner: QueryRunner, name: string, checksum: string, executionMs: number | null): Promise<void> {
    await runner.query(
      `INSERT INTO ${this.checksums} AS t (name, checksum, execution_ms) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum,
         applied_at = CASE WHEN EXCLUDED.execution_ms IS NULL THEN t.applied_at ELSE now() END,
         execution_ms = COALESCE(EXCLUDED.execution_ms, t.execution_ms)`,
      [name, checksum, executionMs],
    );
  }

  /** Forgets the checksum of a reverted migration. */
  async forget(runner: QueryRunner, name: string): Promise<void> {
    await runner.query(`DELETE FROM ${this.checksums} WHERE name = $1`, [name]);
  }

  private async exists(runner: QueryRunner, table: string): Promise<boolean> {
    const [row] = await runner.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [table]);
    return row.present === true;
  }
}
