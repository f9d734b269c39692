import { DataSource, Migration } from 'typeorm';
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

  constructor(options: GuardedDataSourceOptions) {
    const { migrationGuard, ...dataSourceOptions } = options;
    super(dataSourceOptions);
    this.migrationGuard = new MigrationGuard(this, migrationGuard);
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
