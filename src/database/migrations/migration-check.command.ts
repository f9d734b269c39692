import { checkMigrations } from './migration-check';
import { buildMigrationGuardOptions } from './migration-guard.options';
import { MigrationCommand, printReport } from './migration-cli';

/**
 * @internal `migration:check`: the CI/deploy gate. Exits 0 when everything is applied, unedited and
 * matches the entities, else with the code of `MIGRATION_CHECK_EXIT_CODES` for what it found.
 */
export const migrationCheckCommand: MigrationCommand = async (dataSource) => {
  const { exitCode, lines } = await checkMigrations(dataSource, buildMigrationGuardOptions(process.env));
  printReport(lines);
  return exitCode;
};
