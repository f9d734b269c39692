import { checkMigrations } from './migration-check';
import { buildMigrationGuardOptions } from './migration-guard.options';
import { printReport, runMigrationCommand } from './migration-cli';

/**
 * `migration:check`: the CI/deploy gate. Exits 0 when everything is applied, unedited and matches
 * the entities, else with the code of `MIGRATION_CHECK_EXIT_CODES` for what it found.
 *   node dist/src/database/migrations/migration-check.command.js -d dist/ormconfig.js
 */
void runMigrationCommand('migration-check.command -d <data-source file>', async (dataSource) => {
  const { exitCode, lines } = await checkMigrations(dataSource, buildMigrationGuardOptions(process.env));
  printReport(lines);
  return exitCode;
});
