import { appDataSourceOptions } from './src/app.data-source';
import { buildMigrationGuardOptions, GuardedDataSource } from './src/database';

/**
 * The DataSource the TypeORM CLI reads (`typeorm migration:run -d dist/ormconfig.js`): the app's
 * options, guarded, so every CLI run takes the migration lock and verifies checksums first.
 */
export default new GuardedDataSource({
  ...appDataSourceOptions(process.env),
  migrationGuard: buildMigrationGuardOptions(process.env),
});
