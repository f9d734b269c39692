import { createPostgresGlobalSetup } from 'nest-pg-database/testing';
import { ENTITIES, MIGRATIONS } from '../src/database';

/** One PostgreSQL for the run, and a template migrated with the app's own migrations. */
export default createPostgresGlobalSetup({
  dataSourceOptions: (url) => ({ type: 'postgres', url, entities: ENTITIES, migrations: MIGRATIONS }),
});
