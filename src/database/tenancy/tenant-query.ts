import { Query } from 'pg';
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { TENANT_SETTING } from './tenant-context';

/** @internal The statement that sets the tenant for the rest of the current transaction. */
export const SET_TENANT_SQL = `SELECT set_config('${TENANT_SETTING}', $1, true)`;
/** @internal Its prepared statement's name (when prepared statements are on). */
const SET_TENANT_NAME = 'nest_pg_database:set_tenant';

/** The parts of pg's Connection the pipeline writes to (pg 8, `lib/connection.js`). */
interface WireConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  stream: { cork?(): void; uncork?(): void };
  parse(config: { text: string; name?: string; types?: unknown[] }): void;
  bind(config: { statement?: string; values: unknown[] }): void;
  execute(config: { portal?: string; rows?: number }): void;
}

/** pg's Query as this subclass uses it (its JavaScript fields are not in `@types/pg`). */
interface PgQueryInternals {
  name?: string;
  text: string;
  values?: unknown[];
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
  handleError(error: unknown, connection: unknown): void;
  prepare(connection: WireConnection): void;
}

const PgQuery = Query as unknown as new (config: QueryConfig) => PgQueryInternals;

/**
 * @internal A statement preceded, in the same extended-protocol pipeline, by
 * `SELECT set_config('app.tenant_id', $1, true)`, with ONE Sync after both: PostgreSQL runs every
 * message before a Sync in one implicit transaction, so the setting holds for the statement and
 * ends with it, in one round trip, and nothing stays on the connection (or on a transaction
 * pooler's server connection) for its next user. pg 8 has no API for this; it runs custom query
 * objects (pg-cursor does), so this is pg's own Query with the set_config messages written first
 * and their one data row and command-complete swallowed.
 *
 * While the set_config answers are due, `name` and `text` are the set_config's: pg's client
 * records `activeQuery.name` as parsed on every ParseComplete, and must not record the
 * statement's before the statement's own Parse succeeded.
 */
class TenantScopedQuery extends PgQuery {
  private settingDue = false;
  private statement: { name?: string; text: string } | undefined;

  constructor(
    config: QueryConfig,
    private readonly tenant: string,
    /** Prepare the set_config once per connection (off behind a transaction pooler). */
    private readonly prepared: boolean,
  ) {
    super({ ...config, queryMode: 'extended' } as QueryConfig);
  }

  submit(connection: WireConnection): Error | null {
    // pg's own checks first: an error returned from here must leave nothing written.
    if (typeof this.text !== 'string') return new Error('A tenant-scoped query needs its text');
    const previous = this.name
      ? (connection.parsedStatements[this.name] ?? connection.submittedNamedStatements[this.name])
      : undefined;
    if (previous !== undefined && previous !== this.text) {
      return new Error(`Prepared statements must be unique - '${this.name}' was used for a different statement`);
    }
    if (this.values && !Array.isArray(this.values)) return new Error('Query values must be an array');
    const setName = this.prepared ? SET_TENANT_NAME : undefined;
    connection.stream.cork?.();
    try {
      if (!setName || !(setName in connection.parsedStatements || setName in connection.submittedNamedStatements)) {
        connection.parse({ text: SET_TENANT_SQL, name: setName });
        if (setName) connection.submittedNamedStatements[setName] = SET_TENANT_SQL;
      }
      connection.bind({ statement: setName, values: [this.tenant] });
      connection.execute({});
      // Parse (unless prepared before), Bind, Describe, Execute and the one Sync.
      this.prepare(connection);
      if (!this.statement) {
        this.statement = { name: this.name, text: this.text };
        this.name = setName;
        this.text = SET_TENANT_SQL;
        this.settingDue = true;
      }
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  override handleDataRow(msg: unknown): void {
    if (!this.settingDue) super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: unknown): void {
    if (!this.settingDue) return super.handleCommandComplete(msg, connection);
    this.settingDue = false;
    this.name = this.statement!.name;
    this.text = this.statement!.text;
  }

  override handleError(error: unknown, connection: unknown): void {
    if (!this.statement) {
      // Refused while being written (a value pg cannot serialise): pg sent Close and Sync. The
      // answers still due must not mark the statement as parsed: keep the set_config's name.
      this.statement = { name: this.name, text: this.text };
      this.name = this.prepared ? SET_TENANT_NAME : undefined;
      this.text = SET_TENANT_SQL;
    } else if (this.settingDue) {
      // The set_config failed: the statement's Parse was skipped, so it is not pending any more.
      this.settingDue = false;
      if (this.statement.name) delete (connection as WireConnection).submittedNamedStatements[this.statement.name];
      this.name = this.statement.name;
      this.text = this.statement.text;
    }
    super.handleError(error, connection);
  }
}

/** Something that runs pg queries with a callback: the pool or a client. */
interface CallbackQueryable {
  query(query: unknown, callback: (error: Error | undefined, result: QueryResult) => void): unknown;
}

/**
 * @internal Runs `config` as tenant `tenant` in one round trip (see {@link TenantScopedQuery}),
 * on the pool (a connection for this statement only) or on a client outside any transaction.
 */
export function runAsTenantStatement<R extends QueryResultRow>(
  on: unknown,
  config: QueryConfig,
  tenant: string,
  prepared: boolean,
): Promise<QueryResult<R>> {
  return new Promise((resolve, reject) => {
    (on as CallbackQueryable).query(new TenantScopedQuery(config, tenant, prepared), (error, result) =>
      error ? reject(error) : resolve(result as QueryResult<R>),
    );
  });
}
