import { GuardedDataSource } from './guarded.data-source';
import { MigrationGuard } from './migration.guard';
import { buildMigrationGuardOptions } from './migration-guard.options';
import type { MigrationCommand } from './migration-cli';

/**
 * @internal `migration:repair <Name…>`: accepts the current code of edited applied migrations by
 * recording their checksums anew. For deliberate edits that change nothing the database already has.
 */
export const migrationRepairCommand: MigrationCommand = async (dataSource, names) => {
  if (names.length === 0) throw new Error('name the migration(s) to repair, e.g. AddEmailIndex1795400000000');
  const guard =
    dataSource instanceof GuardedDataSource
      ? dataSource.migrationGuard
      : new MigrationGuard(dataSource, buildMigrationGuardOptions(process.env));
  await guard.repair(names);
  return 0;
};
