import { extname, join } from 'node:path';
import { buildDatabaseModuleOptions, buildDataSourceOptions, DatabaseModuleOptions, PostgresOptions } from './database';
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

/** Table of the audit trail (the `AuditLog` entity). */
export const AUDIT_TABLE = 'audit_logs';

/** The application's module options: the data source's plus the module's own (audit trail on). */
export function appDatabaseModuleOptions(env: NodeJS.ProcessEnv = process.env): DatabaseModuleOptions {
  return {
    ...buildDatabaseModuleOptions(env),
    entities: ENTITIES,
    migrations: [MIGRATIONS_GLOB],
    audit: { table: AUDIT_TABLE },
  };
}
