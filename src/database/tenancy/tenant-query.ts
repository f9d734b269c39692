import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { PipelinedQuery, PrecedingStatement } from '../sql/pipelined-query';
import { TENANT_SETTING } from './tenant-context';

/** @internal The statement that sets the tenant for the rest of the current transaction. */
export const SET_TENANT_SQL = `SELECT set_config('${TENANT_SETTING}', $1, true)`;
/** @internal Its prepared statement's name (when prepared statements are on). */
const SET_TENANT_NAME = 'nest_pg_database:set_tenant';

/** @internal The tenant's setting, to be written ahead of a statement (see {@link PipelinedQuery}). */
export function tenantSetting(tenant: string, prepared: boolean): PrecedingStatement {
  return { text: SET_TENANT_SQL, values: [tenant], name: prepared ? SET_TENANT_NAME : undefined };
}

/** Something that runs pg queries with a callback: the pool or a client. */
interface CallbackQueryable {
  query(query: unknown, callback: (error: Error | undefined, result: QueryResult) => void): unknown;
}

/**
 * @internal Runs `config` as tenant `tenant` in one round trip, on the pool (a connection for this
 * statement only) or on a client outside any transaction: `SELECT set_config('app.tenant_id', $1,
 * true)` written before it in one pipeline with one Sync ({@link PipelinedQuery}). PostgreSQL runs
 * every message before a Sync in one implicit transaction, so the setting holds for the statement
 * and ends with it, and nothing stays on the connection (or on a transaction pooler's server
 * connection) for its next user.
 */
export function runAsTenantStatement<R extends QueryResultRow>(
  on: unknown,
  config: QueryConfig,
  tenant: string,
  prepared: boolean,
): Promise<QueryResult<R>> {
  return new Promise((resolve, reject) => {
    (on as CallbackQueryable).query(new PipelinedQuery(config, [tenantSetting(tenant, prepared)]), (error, result) =>
      error ? reject(error) : resolve(result as QueryResult<R>),
    );
  });
}
