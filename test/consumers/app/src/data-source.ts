import { buildDataSourceOptions, buildMigrationGuardOptions, GuardedDataSource } from 'nest-pg-database';
import { ENTITIES, MIGRATIONS } from './database.js';

/**
 * What `typeorm migration:run -d dist/data-source.js` and
 * `nest-pg-database migration:check -d dist/data-source.js` load: guarded migrations.
 */
export default new GuardedDataSource({
  ...buildDataSourceOptions(process.env),
  entities: ENTITIES,
  migrations: MIGRATIONS,
  migrationGuard: buildMigrationGuardOptions(process.env),
});
