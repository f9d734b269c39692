#!/usr/bin/env node
import { migrationCheckCommand } from './migrations/migration-check.command';
import { MigrationCommand, runMigrationCommand } from './migrations/migration-cli';
import { migrationRepairCommand } from './migrations/migration-repair.command';

/**
 * The package's command line (`npx nest-pg-database …`): the migration gate and repair, next to
 * `typeorm migration:run -d …`, which runs through the same guard with a `GuardedDataSource`.
 *   nest-pg-database migration:check -d dist/ormconfig.js
 *   nest-pg-database migration:repair -d dist/ormconfig.js AddEmailIndex1795400000000
 */
const COMMANDS: Record<string, { usage: string; run: MigrationCommand }> = {
  'migration:check': { usage: 'nest-pg-database migration:check -d <data-source file>', run: migrationCheckCommand },
  'migration:repair': {
    usage: 'nest-pg-database migration:repair -d <data-source file> <MigrationName…>',
    run: migrationRepairCommand,
  },
};

const [name, ...args] = process.argv.slice(2);
const command = name ? COMMANDS[name] : undefined;
if (!command) {
  const usage = Object.values(COMMANDS).map((c) => `  ${c.usage}`);
  process.stderr.write(`${name ? `unknown command ${JSON.stringify(name)}\n` : ''}usage:\n${usage.join('\n')}\n`);
  process.exit(name === '--help' || name === '-h' ? 0 : 1);
} else {
  void runMigrationCommand(command.usage, command.run, args);
}
