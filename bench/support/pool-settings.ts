import type { PoolConfig } from 'pg';
import { buildDataSourceOptions } from '../../src/database';

/** pg Pool settings equal to the module's for `env`: size, timeouts, application name, keep-alive. */
export function poolSettings(env: NodeJS.ProcessEnv): PoolConfig {
  const o = buildDataSourceOptions(env);
  const extra = (o.extra ?? {}) as PoolConfig;
  return {
    host: o.host,
    port: o.port,
    database: o.database,
    user: o.username,
    password: typeof o.password === 'string' ? o.password : undefined,
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMS,
    application_name: o.applicationName,
    ...extra,
  };
}
