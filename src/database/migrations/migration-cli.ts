import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import { CommandUtils } from 'typeorm/commands/CommandUtils';

/** @internal A command run by {@link runMigrationCommand}: returns the process exit code. */
export type MigrationCommand = (dataSource: DataSource, names: string[]) => Promise<number>;

function print(stream: NodeJS.WriteStream, lines: string[]): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}

/**
 * @internal The shell of the module's own migration commands (`migration:check`,
 * `migration:repair`): `-d <data-source file>` as the TypeORM CLI takes it, the DataSource
 * initialised without running anything, one-line errors (never a stack, never a secret), exit code.
 */
export async function runMigrationCommand(usage: string, command: MigrationCommand, args: string[]): Promise<never> {
  let code = 1;
  let dataSource: DataSource | undefined;
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { dataSource: { type: 'string', short: 'd' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    if (values.help || !values.dataSource) {
      print(values.help ? process.stdout : process.stderr, [`usage: ${usage}`]);
      process.exit(values.help ? 0 : 1);
    }
    dataSource = await CommandUtils.loadDataSource(resolve(process.cwd(), values.dataSource));
    dataSource.setOptions({ migrationsRun: false, synchronize: false, dropSchema: false, subscribers: [] });
    await dataSource.initialize();
    code = await command(dataSource, positionals);
  } catch (error) {
    print(process.stderr, [`error: ${error instanceof Error ? error.message : String(error)}`]);
  } finally {
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
  }
  process.exit(code);
}

/** @internal Writes report lines to stdout. */
export function printReport(lines: string[]): void {
  print(process.stdout, lines);
}
