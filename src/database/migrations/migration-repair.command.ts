import { GuardedDataSource } from './guarded.data-source';
import { MigrationGuard } from './migration.guard';
import { buildMigrationGuardOptions } from './migration-guard.options';
import { runMigrationCommand } from './migration-cli';

/**
 * `migration:repair <Name…>`: accepts the current code of edited applied migrations by recording
 * their checksums anew. For deliberate edits that change nothing the database already has.
 *   node dist/src/database/migrations/migration-repair.command.js -d dist/ormconfig.js <Name…>
 */
void runMigrationCommand(
  'migration-repair.command -d <data-source file> <MigrationName…>',
  async (dataSource, names) => {
    if (names.length === 0) throw new Error('name the migration(s) to repair, e.g. AddEmailIndex1795400000000');
    const guard =
      dataSource instanceof GuardedDataSource
        ? dataSource.migrationGuard
        : new MigrationGuard(dataSource, buildMigrationGuardOptions(process.env));
    await guard.repair(names);
    return 0;
  },
);
