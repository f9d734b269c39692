import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger, LogLevel } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CommandUtils } from 'typeorm/commands/CommandUtils';
import { DatabaseConfigError } from '../errors/database-config.error';

/** @internal A command run by {@link runMigrationCommand}: returns the process exit code. */
export type MigrationCommand = (dataSource: DataSource, names: string[]) => Promise<number>;

function print(stream: NodeJS.WriteStream, lines: string[]): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}

/** @internal Nest's log levels of a command-line process: debug lines (TypeORM's detail) only with `LOG_LEVEL=debug`. */
export function cliLogLevels(env: NodeJS.ProcessEnv): LogLevel[] {
  const levels: LogLevel[] = ['fatal', 'error', 'warn', 'log'];
  return env.LOG_LEVEL === 'debug' ? [...levels, 'debug', 'verbose'] : levels;
}

/**
 * @internal What to print for a failure: a configuration error as it is (TypeORM wraps an error thrown
 * while loading the data-source file in `Unable to open file: …`, which would mislead), else `error: …`.
 */
export function describeCliFailure(error: unknown): string {
  const config = error instanceof DatabaseConfigError ? error : (error as { cause?: unknown } | null)?.cause;
  if (config instanceof DatabaseConfigError) return config.message;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * @internal The shell of the module's own migration commands (`migration:check`,
 * `migration:repair`): `-d <data-source file>` as the TypeORM CLI takes it, the DataSource
 * initialised without running anything, one-line errors (never a stack, never a secret), exit code.
 */
export async function runMigrationCommand(usage: string, command: MigrationCommand, args: string[]): Promise<never> {
  let code = 1;
  let dataSource: DataSource | undefined;
  Logger.overrideLogger(cliLogLevels(process.env));
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
    print(process.stderr, [describeCliFailure(error)]);
  } finally {
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
  }
  process.exit(code);
}

/** @internal Writes report lines to stdout. */
export function printReport(lines: string[]): void {
  print(process.stdout, lines);
}
