import { resolve } from 'node:path';
import { createPostgresGlobalSetup } from 'nest-pg-database/testing';

/**
 * One PostgreSQL for the run, and a template migrated with the app's own migrations. Jest loads
 * this file with Node's require, outside `moduleNameMapper`, so the `.js`-suffixed sources cannot
 * be imported here: the template takes the compiled migrations (`pretest` builds them).
 */
export default createPostgresGlobalSetup({
  dataSourceOptions: (url) => ({
    type: 'postgres',
    url,
    migrations: [resolve(__dirname, '..', 'dist', 'migrations', '*.js')],
  }),
});
