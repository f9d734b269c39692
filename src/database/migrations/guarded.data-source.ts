import { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource, Migration } from 'typeorm';
import type { QueryRunner, ReplicationMode } from 'typeorm';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../database.constants';
import { dropConnectionOnFailure } from '../sql/condemned-connection';
import { waitForIdlePool } from '../startup/pool-drain';
import { PoolerMode, poolerModeOf, SessionTimeouts, withoutStartupTimeouts } from '../pooler/pooler-mode';
import type { GuardedDataSourceOptions } from './migration-guard.options';
import { MigrationGuard, MigrationRunOptions } from './migration.guard';

/**
 * A TypeORM DataSource whose `runMigrations`, `undoLastMigration` and `showMigrations` go through
 * the {@link MigrationGuard}. The TypeORM CLI calls exactly these on the DataSource that
 * `ormconfig.ts` exports (`typeorm migration:run|revert|show -d …`), `initialize()` calls
 * `runMigrations` when `migrationsRun` is set, and `DatabaseModule` builds its DataSource with it:
 * every entry point gets the lock, the checksum verification, the timeouts and the progress lines.
 *
 * @example
 * export default new GuardedDataSource({ ...buildDataSourceOptions(process.env), migrationGuard: buildMigrationGuardOptions(process.env) });
 */
export class GuardedDataSource extends DataSource {
  /** The guard every migration entry point of this DataSource goes through. */
  readonly migrationGuard: MigrationGuard;

  /** What is between this DataSource and PostgreSQL (`DB_POOLER`). */
  readonly pooler: PoolerMode;

  /**
   * The session timeouts the options ask for (`extra.statement_timeout`, …). Behind a pooler they
   * are not sent when connecting; `DatabaseModule` checks the server applies them.
   */
  readonly sessionTimeouts: Partial<SessionTimeouts>;

  /** Entity metadata were built before the server answered ({@link prepareMetadata}). */
  private metadataPrepared = false;

  private readonly shutdownGraceMs: number;
  private readonly poolLogger = new Logger('DatabasePool');

  constructor(options: GuardedDataSourceOptions) {
    const { migrationGuard, shutdownGraceMs, pooler: _pooler, ...rest } = options;
    const pooler = poolerModeOf(options);
    const { options: dataSourceOptions, timeouts } = withoutStartupTimeouts(rest, pooler);
    super(dataSourceOptions);
    this.pooler = pooler;
    this.sessionTimeouts = timeouts;
    this.migrationGuard = new MigrationGuard(this, { pooler, ...migrationGuard });
    this.shutdownGraceMs = shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  }

  /** TypeORM's query runner, whose connection leaves the pool after a failure that condemns it (lost, or read-only). */
  override createQueryRunner(mode?: ReplicationMode): QueryRunner {
    return dropConnectionOnFailure(super.createQueryRunner(mode));
  }

  /**
   * Closes the pool once its busy connections are back (open transactions committed or rolled
   * back, statements answered), waiting at most `shutdownGraceMs`; then TypeORM's `destroy()`.
   */
  override async destroy(): Promise<void> {
    const pool = (this.driver as unknown as { master?: Pool }).master;
    const busy = await waitForIdlePool(pool, this.shutdownGraceMs);
    if (busy > 0)
      this.poolLogger.warn(`closing the pool with ${busy} connection(s) still busy after ${this.shutdownGraceMs} ms`);
    await super.destroy();
  }

  /**
   * Builds entity metadata without a server, so repositories can be created while the database is
   * unreachable (degraded start); a later {@link initialize} keeps them instead of building new ones.
   * Not offered with `synchronize`, `dropSchema` or a query cache, which need a server in `initialize()`.
   */
  async prepareMetadata(): Promise<void> {
    if (this.metadataPrepared) return;
    if (this.options.synchronize || this.options.dropSchema || this.options.cache) {
      throw new Error('degraded start needs synchronize, dropSchema and cache off');
    }
    await this.buildMetadatas();
    this.metadataPrepared = true;
  }

  /**
   * TypeORM's `initialize()`; after {@link prepareMetadata}, its second half only: connect, then
   * startup migrations. A failed attempt leaves nothing open, so it can simply be tried again.
   */
  override async initialize(): Promise<this> {
    if (!this.metadataPrepared) {
      try {
        return await super.initialize();
      } catch (error) {
        // The driver may hold a pool from a half-done connect (server up, a later step failed).
        if (!this.isInitialized) await this.driver.disconnect().catch(() => undefined);
        throw error;
      }
    }
    try {
      await this.driver.connect();
    } catch (error) {
      await this.driver.disconnect().catch(() => undefined);
      throw error;
    }
    Object.assign(this, { isInitialized: true });
    try {
      await this.driver.afterConnect();
      if (this.options.migrationsRun) await this.runMigrations({ transaction: this.options.migrationsTransactionMode });
    } catch (error) {
      await this.destroy();
      throw error;
    }
    return this;
  }

  /** Applies pending migrations under the guard. */
  override runMigrations(options?: MigrationRunOptions): Promise<Migration[]> {
    return this.migrationGuard.run(options);
  }

  /** Reverts the newest applied migration under the guard. */
  override undoLastMigration(options?: MigrationRunOptions): Promise<void> {
    return this.migrationGuard.revert(options);
  }

  /** Lists migrations with their state (edited, missing, out of order); true when some are pending. */
  override showMigrations(): Promise<boolean> {
    return this.migrationGuard.show();
  }
}
