import { Client, ClientConfig } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { DEFAULT_APPLICATION_NAME } from '../database.constants';
import type { DirectConnection } from '../migrations/migration-guard.options';

/** @internal The pg settings of a direct connection: its target, the rest (TLS, credentials it leaves out) the DataSource's. */
export function directClientConfig(options: PostgresDataSourceOptions, target: DirectConnection): ClientConfig {
  return {
    host: target.host,
    port: target.port ?? 5432,
    database: target.database ?? options.database,
    user: target.username ?? options.username,
    password: target.password ?? (typeof options.password === 'string' ? options.password : undefined),
    // TypeORM types it as server-side TlsOptions; pg uses the client-side subset the builder sets.
    ssl: options.ssl as ClientConfig['ssl'],
    application_name: options.applicationName ?? DEFAULT_APPLICATION_NAME,
    connectionTimeoutMillis: options.connectTimeoutMS,
    keepAlive: true,
  };
}

/**
 * @internal A TypeORM query runner of `dataSource` on a session of its own to `target`, bypassing
 * the pool (and the pooler behind it): what the migration lock and the migrations run on when
 * `DB_MIGRATIONS_URL` is set. The caller ends the session (`databaseConnection.end()`) and releases the runner.
 */
export async function openDirectRunner(dataSource: DataSource, target: DirectConnection): Promise<QueryRunner> {
  const client = new Client(directClientConfig(dataSource.options as PostgresDataSourceOptions, target));
  // Without a listener, a session the server ends would crash the process; the next query fails instead.
  client.on('error', () => undefined);
  await client.connect();
  const runner = dataSource.createQueryRunner('master');
  // PostgresQueryRunner.connect() hands out the connection it holds: this session, never one from the pool.
  Object.assign(runner, { databaseConnection: client });
  return runner;
}
