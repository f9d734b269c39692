import { performance } from 'node:perf_hooks';
import { DataSource, Migration, MigrationExecutor, MigrationInterface, QueryRunner } from 'typeorm';
import { migrationChecksum } from './migration-checksums';
import { sqlStateOf } from '../errors/sql-state';
import { MigrationGuardError } from './migration-guard.error';
import type { ResolvedMigrationGuardOptions } from './migration-guard.options';
import type { MigrationHistory } from './migration-history';
import type { CodeMigration } from './migration-status';

/** @internal What to tell the operator about a failed migration, from its SQLSTATE. */
export function failureHint(error: unknown, options: ResolvedMigrationGuardOptions): string | undefined {
  switch (sqlStateOf(error)) {
    case '55P03':
      return (
        `A statement waited longer than lock_timeout (DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS=${options.tableLockTimeoutMs} ms) ` +
        'for a lock other sessions hold (a long query or an open transaction on the same table), instead of ' +
        'queueing all traffic behind it: run it again when the table is quieter, or raise the timeout.'
      );
    case '57014':
      return `A statement was cancelled: statement_timeout (DB_MIGRATIONS_STATEMENT_TIMEOUT_MS=${options.statementTimeoutMs} ms) or an operator.`;
    case '25001':
      return 'This statement cannot run inside a transaction: set `transaction = false` on the migration class.';
    default:
      return undefined;
  }
}

/**
 * @internal TypeORM's MigrationExecutor on the guard's locked session, plus: each migration's
 * checksum recorded in the same transaction as TypeORM's own row (removed on revert), progress
 * and duration per migration, and failures that name the migration and what to do.
 */
export class GuardedMigrationExecutor extends MigrationExecutor {
  private readonly durations = new Map<string, number>();
  private started = 0;
  private expected = 0;

  constructor(
    dataSource: DataSource,
    runner: QueryRunner,
    private readonly history: MigrationHistory,
    private readonly options: ResolvedMigrationGuardOptions,
  ) {
    super(dataSource, runner);
  }

  /** The code's migrations with their checksums, validated and ordered by TypeORM. */
  codeMigrations(): CodeMigration[] {
    return super.getMigrations().map((m) => ({
      name: m.name,
      timestamp: m.timestamp,
      checksum: migrationChecksum(m.instance!),
      transaction: m.instance?.transaction !== false,
    }));
  }

  /** The code's migration instances of `names`, in that order, as they are (no progress lines, no timing). */
  instancesOf(names: string[]): Array<{ name: string; instance: MigrationInterface }> {
    const byName = new Map(super.getMigrations().map((m) => [m.name, m.instance!]));
    return names.map((name) => ({ name, instance: byName.get(name)! }));
  }

  /** Announces how many migrations the coming run applies, for `[2/5]` progress. */
  expect(count: number): void {
    this.expected = count;
    this.started = 0;
  }

  /** Milliseconds each migration took in this run, by name. */
  get timings(): ReadonlyMap<string, number> {
    return this.durations;
  }

  protected override getMigrations(): Migration[] {
    return super
      .getMigrations()
      .map((m) => new Migration(m.id, m.timestamp, m.name, this.timed(m.name, m.instance!), m.transaction));
  }

  protected override async insertExecutedMigration(runner: QueryRunner, migration: Migration): Promise<void> {
    await super.insertExecutedMigration(runner, migration);
    const ms = this.durations.get(migration.name) ?? null;
    await this.history.record(runner, migration.name, migrationChecksum(migration.instance!), ms);
    this.options.logger.log(
      ms === null
        ? `recorded ${migration.name} as applied without running it (fake)`
        : `applied ${migration.name} in ${ms} ms`,
    );
  }

  protected override async deleteExecutedMigration(runner: QueryRunner, migration: Migration): Promise<void> {
    await super.deleteExecutedMigration(runner, migration);
    await this.history.forget(runner, migration.name);
    const ms = this.durations.get(migration.name);
    this.options.logger.log(
      ms === undefined ? `forgot ${migration.name} (fake)` : `reverted ${migration.name} in ${ms} ms`,
    );
  }

  private timed(name: string, instance: MigrationInterface): MigrationInterface {
    // Inherits name, transaction and constructor (hence the checksum) from the real instance.
    const wrapper: MigrationInterface = Object.create(instance);
    wrapper.up = (runner) => this.measure(name, 'up', instance, () => instance.up(runner));
    wrapper.down = (runner) => this.measure(name, 'down', instance, () => instance.down(runner));
    return wrapper;
  }

  private async measure(
    name: string,
    direction: 'up' | 'down',
    instance: MigrationInterface,
    body: () => Promise<unknown>,
  ): Promise<void> {
    const transactional =
      direction === 'down'
        ? this.transaction !== 'none'
        : this.transaction === 'all' || (this.transaction === 'each' && instance.transaction !== false);
    const step = direction === 'up' ? ` [${++this.started}/${Math.max(this.expected, this.started)}]` : '';
    const mode = transactional ? '' : ' without a transaction';
    this.options.logger.log(`${direction === 'up' ? 'applying' : 'reverting'} ${name}${mode}${step}`);
    const begun = performance.now();
    try {
      await body();
    } catch (error) {
      const ms = Math.round(performance.now() - begun);
      const hint = failureHint(error, this.options);
      throw MigrationGuardError.failed(name, direction, ms, error, { transactional, hint });
    }
    this.durations.set(name, Math.round(performance.now() - begun));
  }
}
