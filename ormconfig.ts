import { Logger } from '@nestjs/common';
import { appDataSourceOptions } from './src/app.data-source';
import {
  buildMigrationGuardOptions,
  DatabaseConfigError,
  GuardedDataSource,
  GuardedDataSourceOptions,
} from './src/database';

// No Nest app sets the log levels here: without this, Nest's default logger prints TypeORM's debug lines.
Logger.overrideLogger(
  process.env.LOG_LEVEL === 'debug'
    ? ['fatal', 'error', 'warn', 'log', 'debug', 'verbose']
    : ['fatal', 'error', 'warn', 'log'],
);

/**
 * The app's options, guarded. A configuration error is printed as it is and ends the process:
 * thrown from here, the TypeORM CLI would wrap it in a misleading `Unable to open file` with a stack.
 */
function options(env: NodeJS.ProcessEnv): GuardedDataSourceOptions {
  try {
    return { ...appDataSourceOptions(env), migrationGuard: buildMigrationGuardOptions(env) };
  } catch (error) {
    if (!(error instanceof DatabaseConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/**
 * The DataSource the TypeORM CLI reads (`typeorm migration:run -d dist/ormconfig.js`): the app's
 * options, guarded, so every CLI run takes the migration lock and verifies checksums first.
 */
export default new GuardedDataSource(options(process.env));
