import { extname, join } from 'node:path';
import { buildDataSourceOptions, PostgresOptions } from './database';
import { ENTITIES } from './entities';

/** Glob of the migration classes, `.ts` under ts-node and Jest, `.js` once compiled. */
export const MIGRATIONS_GLOB = join(__dirname, 'migrations', `*${extname(__filename)}`);

/**
 * The application's data-source options: `buildDataSourceOptions(env)` plus its entities and
 * migrations. Used by `AppModule` and by `ormconfig.ts`, so the app and the CLI never disagree.
 */
export function appDataSourceOptions(env: NodeJS.ProcessEnv = process.env): PostgresOptions {
  return { ...buildDataSourceOptions(env), entities: ENTITIES, migrations: [MIGRATIONS_GLOB] };
}
