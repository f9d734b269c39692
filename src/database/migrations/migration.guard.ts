import { performance } from 'node:perf_hooks';
import { CannotExecuteNotConnectedError, DataSource, Migration, QueryRunner } from 'typeorm';
import { GuardedMigrationExecutor } from './guarded-migration.executor';
import { MigrationGuardError } from './migration-guard.error';
import {
  MigrationGuardOptions,
  ResolvedMigrationGuardOptions,
  resolveMigrationGuardOptions,
} from './migration-guard.options';
import { MigrationHistory } from './migration-history';
import { withMigrationLock } from './migration-lock';
import { openDirectRunner } from '../pooler/direct-session';
import { MigrationStatus, migrationStatus, nameList } from './migration-status';
import { schemaDrift, tryPendingMigrations } from './schema-drift';

/** Options of a run or revert, as TypeORM's `runMigrations` / `undoLastMigration` take them. */
export interface MigrationRunOptions {
  transaction?: 'all' | 'none' | 'each';
  fake?: boolean;
}

/** What `migration:check` inspects: the status and the schema drift. */
export interface MigrationVerification {
  status: MigrationStatus;
  /**
   * SQL that would make the schema match the entities: the migrated schema's, or, with migrations
   * pending, the schema they leave (tried in a transaction that was rolled back). Undefined when
   * unknown: {@link MigrationVerification.driftUnknown} says why.
   */
  drift?: string[];
  /** Why the drift is unknown: a pending migration runs without a transaction, or trying the pending ones failed. */
  driftUnknown?: string;
  /** True when the drift was found by trying the pending migrations in a rolled-back transaction. */
  triedPending?: boolean;
}

/**
 * The migration guard, whatever the entry point (CLI, app start, code): one PostgreSQL advisory
 * lock for the whole run, applied migrations verified against their recorded checksums before
 * any DDL, `lock_timeout`/`statement_timeout` on migration statements, progress per migration.
 *
 * @example
 * await new MigrationGuard(dataSource, buildMigrationGuardOptions(process.env)).run();
 */
export class MigrationGuard {
  private readonly options: ResolvedMigrationGuardOptions;
  private readonly history: MigrationHistory;

  constructor(
    private readonly dataSource: DataSource,
    options: MigrationGuardOptions = {},
  ) {
    this.options = resolveMigrationGuardOptions(options);
    this.history = new MigrationHistory(dataSource);
  }

  /** Applies the pending migrations; refuses to start if an applied one was edited. */
  run(options: MigrationRunOptions = {}): Promise<Migration[]> {
    return this.locked(async (runner, executor, status) => {
      const started = performance.now();
      this.refuse(status, 'run');
      await this.adopt(runner, status);
      if (status.pending.length === 0) {
        this.options.logger.log(`nothing to apply: ${status.applied.length} migration(s) applied, none pending`);
        return [];
      }
      executor.transaction = options.transaction ?? this.dataSource.options.migrationsTransactionMode ?? 'all';
      executor.fake = options.fake ?? false;
      executor.expect(status.pending.length);
      const done = await executor.executePendingMigrations();
      this.options.logger.log(
        `applied ${done.length} migration(s) in ${Math.round(performance.now() - started)} ms ` +
          `(${nameList(done.map((m) => m.name))}); ${status.applied.length + done.length} applied, none pending`,
      );
      return done;
    });
  }

  /** Reverts the newest applied migration, without a transaction if it opted out of one. */
  revert(options: MigrationRunOptions = {}): Promise<void> {
    return this.locked(async (runner, executor, status) => {
      this.refuse(status, 'revert');
      await this.adopt(runner, status);
      const last = status.applied.at(-1);
      if (!last) {
        this.options.logger.log('nothing to revert: no migration applied');
        return;
      }
      const code = executor.codeMigrations().find((m) => m.name === last.name);
      executor.transaction =
        code?.transaction === false
          ? 'none'
          : (options.transaction ?? this.dataSource.options.migrationsTransactionMode ?? 'all');
      executor.fake = options.fake ?? false;
      await executor.undoLastMigration();
      this.options.logger.log(
        `reverted ${last.name}; ${status.applied.length - 1} applied, ${status.pending.length + 1} pending`,
      );
    });
  }

  /** Logs every migration with its state; true when some are pending (TypeORM's contract). */
  async show(): Promise<boolean> {
    const status = await this.status();
    const edited = new Set(status.edited.map((m) => m.name));
    const missing = new Set(status.missing.map((m) => m.name));
    const unrecorded = new Set(status.unrecorded.map((m) => m.name));
    const outOfOrder = new Set(status.outOfOrder.map((m) => m.name));
    for (const m of status.applied) {
      const note = edited.has(m.name)
        ? ' EDITED since it ran'
        : missing.has(m.name)
          ? ' NOT IN THIS CODE'
          : unrecorded.has(m.name)
            ? ' (checksum recorded on the next run)'
            : '';
      this.options.logger.log(`[X] ${m.id} ${m.name}${note}`);
    }
    for (const m of status.pending) {
      const notes = [outOfOrder.has(m.name) ? 'OUT OF ORDER' : '', m.transaction ? '' : 'without a transaction'];
      const note = notes.filter(Boolean).join(', ');
      this.options.logger.log(`[ ] ${m.name}${note ? ` (${note})` : ''}`);
    }
    return status.pending.length > 0;
  }

  /** Where the database stands against the code; read without the lock (a run may be under way). */
  async status(): Promise<MigrationStatus> {
    this.assertInitialized();
    const runner = this.dataSource.createQueryRunner('master');
    try {
      return await this.readStatus(
        runner,
        new GuardedMigrationExecutor(this.dataSource, runner, this.history, this.options),
      );
    } finally {
      await runner.release();
    }
  }

  /**
   * The status, and the SQL that would make the schema match the entities. With migrations
   * pending, they are applied in one transaction that is rolled back, and the entities are compared
   * with the schema they leave: nothing is committed, but their statements take their locks until
   * the rollback (bounded by `lock_timeout`). A pending migration with `transaction = false`
   * cannot be tried so: the drift is then unknown, and `driftUnknown` says why.
   */
  verify(): Promise<MigrationVerification> {
    // Under the lock, so a run in progress is waited for and never seen half done, and none starts meanwhile.
    return this.locked(async (runner, executor, status) => {
      if (status.pending.length === 0) return { status, drift: await schemaDrift(this.dataSource, runner) };
      const outside = status.pending.filter((m) => !m.transaction).map((m) => m.name);
      if (outside.length > 0) {
        const driftUnknown =
          `pending migration(s) ${nameList(outside)} run without a transaction (transaction = false), so the ` +
          'pending migrations cannot be tried in one that is rolled back';
        return { status, driftUnknown };
      }
      const pending = executor.instancesOf(status.pending.map((m) => m.name));
      try {
        const drift = await tryPendingMigrations(runner, pending, () => schemaDrift(this.dataSource, runner));
        return { status, drift, triedPending: true };
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        return { status, driftUnknown: `trying the pending migrations (rolled back) failed: ${message}` };
      }
    });
  }

  /**
   * The SQL that would make the live schema match the entities (nothing tried, nothing changed),
   * read under the lock so a migration run in progress is waited for. What `DB_FAIL_ON_SCHEMA_DRIFT` checks.
   */
  drift(): Promise<string[]> {
    return this.locked((runner) => schemaDrift(this.dataSource, runner));
  }

  /** Whether pending migrations older than the newest applied one may run (`DB_MIGRATIONS_ALLOW_OUT_OF_ORDER`). */
  get allowsOutOfOrder(): boolean {
    return this.options.allowOutOfOrder;
  }

  /** Accepts the current code of edited applied migrations: records their checksums anew. */
  repair(names: string[]): Promise<string[]> {
    return this.locked(async (runner, _executor, status) => {
      const missing = new Set(status.missing.map((m) => m.name));
      const applied = new Set(status.applied.map((m) => m.name));
      const unknown = names.filter((n) => !applied.has(n) || missing.has(n));
      if (unknown.length > 0) throw MigrationGuardError.notRepairable(unknown);
      await this.history.ensureChecksumsTable(runner);
      const repaired: string[] = [];
      for (const edit of status.edited.filter((m) => names.includes(m.name))) {
        await this.history.record(runner, edit.name, edit.current, null);
        this.options.logger.warn(
          `accepted the edited code of ${edit.name} (checksum ${edit.recorded} -> ${edit.current})`,
        );
        repaired.push(edit.name);
      }
      if (repaired.length === 0) this.options.logger.log(`nothing to repair: ${nameList(names)} match their checksums`);
      return repaired;
    });
  }

  private async locked<T>(
    fn: (runner: QueryRunner, executor: GuardedMigrationExecutor, status: MigrationStatus) => Promise<T>,
  ): Promise<T> {
    this.assertInitialized();
    const direct = this.options.directConnection;
    if (!direct && this.options.pooler === 'transaction') throw MigrationGuardError.noLockThroughPooler();
    const lock = {
      timeoutMs: this.options.lockTimeoutMs,
      logger: this.options.logger,
      openSession: direct ? () => openDirectRunner(this.dataSource, direct) : undefined,
    };
    return withMigrationLock(this.dataSource, this.history.migrationsTable, lock, async (runner) => {
      await runner.query(`SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)`, [
        String(this.options.tableLockTimeoutMs),
        String(this.options.statementTimeoutMs),
      ]);
      const executor = new GuardedMigrationExecutor(this.dataSource, runner, this.history, this.options);
      return fn(runner, executor, await this.readStatus(runner, executor));
    });
  }

  private async readStatus(runner: QueryRunner, executor: GuardedMigrationExecutor): Promise<MigrationStatus> {
    const code = executor.codeMigrations();
    const applied = await this.history.readApplied(runner);
    return migrationStatus(code, applied, await this.history.readChecksums(runner));
  }

  private assertInitialized(): void {
    if (!this.dataSource.isInitialized) throw new CannotExecuteNotConnectedError();
  }

  /** Throws before any DDL when the database and the code disagree in a way a run must not paper over. */
  private refuse(status: MigrationStatus, action: 'run' | 'revert'): void {
    if (status.edited.length > 0) throw MigrationGuardError.edited(status.edited.map((m) => m.name));
    if (action === 'revert') return;
    const missing = status.missing.map((m) => m.name);
    if (missing.length > 0 && status.pending.length > 0) throw MigrationGuardError.missing(missing);
    if (missing.length > 0) {
      this.options.logger.warn(
        `the database is ahead of this code: applied migration(s) ${nameList(missing)} are not in it`,
      );
    }
    if (status.outOfOrder.length > 0 && !this.options.allowOutOfOrder) {
      const newest = [...status.applied].sort((a, b) => b.timestamp - a.timestamp)[0];
      throw MigrationGuardError.outOfOrder(
        status.outOfOrder.map((m) => m.name),
        newest.name,
      );
    }
  }

  /** Creates the checksums table and records the checksums of migrations applied before it existed. */
  private async adopt(runner: QueryRunner, status: MigrationStatus): Promise<void> {
    await this.history.ensureChecksumsTable(runner);
    for (const m of status.unrecorded) await this.history.record(runner, m.name, m.checksum, null);
    if (status.unrecorded.length > 0) {
      this.options.logger.warn(
        `recorded the checksum of ${status.unrecorded.length} migration(s) applied before checksums were kept ` +
          `(${nameList(status.unrecorded.map((m) => m.name))}); from now on, editing them is refused`,
      );
    }
  }
}
