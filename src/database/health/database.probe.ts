import { performance } from 'node:perf_hooks';
import { Client, ClientConfig, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { DEFAULT_APPLICATION_NAME, HEALTH_APPLICATION_NAME_SUFFIX } from '../database.constants';
import { serverSqlState } from '../errors/sql-state';
import { isConnectionFailure } from '../stats/statement-timings';
import { sendCancelRequest } from './cancel-request';
import { ConnectionFailure, describeConnectionFailure, timeoutCause } from './connection-failure';
import { MigrationCounter, MigrationCounts, RowQuery } from './migration-counts';
import { PoolerMode, poolerModeOf } from '../pooler/pooler-mode';

/** What one probe of the database found. */
export interface ProbeResult {
  /** Whether the server answered the ping. */
  up: boolean;
  /** Milliseconds until the ping answered or failed, connecting included. */
  responseTimeMs: number;
  /** The server's `server_version`, when up. */
  serverVersion?: string;
  /**
   * When up: whether the server takes no writes, being in recovery (a standby, or a failover's
   * standby not promoted yet) or read-only by `default_transaction_read_only`.
   */
  readOnly?: boolean;
  /** Why the ping failed, when down. */
  failure?: ConnectionFailure;
  /** Applied and pending migrations, when they could be read. */
  migrations?: MigrationCounts;
  /** Why the migrations could not be read while the ping answered. */
  migrationsFailure?: ConnectionFailure;
}

/** Whether the server takes no writes: a column of every check's one statement. */
const READ_ONLY = `pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean AS read_only`;
/** The check without a migrations table to read. */
const PING = `SELECT ${READ_ONLY}`;
/** SQLSTATE of a missing table. */
const UNDEFINED_TABLE = '42P01';
/** SQLSTATE of a statement the server cancelled (its `statement_timeout`): it did not answer in time. */
const QUERY_CANCELED = '57014';
const TIMED_OUT = Symbol('timed out');
const MAX_APPLICATION_NAME = 63;
/** Prefix of the health connection's prepared statements' names. */
const HEALTH_STATEMENT_PREFIX = 'nest_pg_health_';
/** How long a polite goodbye may take before the socket is simply closed. */
const END_TIMEOUT_MS = 1_000;

interface Session {
  client: Client;
  ready: Promise<unknown>;
  connected: boolean;
  /** The server's `server_version`, as it reported it when the session started. */
  version?: string;
  /** The check bound the session's `statement_timeout` and `lock_timeout` follow (none set yet: undefined). */
  timeoutMs?: number;
}

/** What one round on the health connection found, once the server answered. */
interface Answer {
  version?: string;
  readOnly?: boolean;
  migrations?: MigrationCounts;
  migrationsFailure?: ConnectionFailure;
}

/** A lock wait ends (and the check answers, migrations unknown) at half the check's bound. */
const lockTimeout = (timeoutMs: number) => Math.max(1, Math.floor(timeoutMs / 2));

/** Whether the server answered `error` itself (the statement failed, the server and session are fine). */
function answeredByServer(error: unknown): boolean {
  const sqlState = serverSqlState(error);
  return sqlState !== undefined && sqlState !== QUERY_CANCELED && !isConnectionFailure(sqlState);
}

/** `work`'s value, or TIMED_OUT once `deadline` (a `performance.now()` instant) passes first. */
async function within<T>(deadline: number, work: Promise<T>): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - performance.now()), TIMED_OUT);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The health connection's settings: the DataSource's target and credentials, its own name. */
export function healthConnectionConfig(options: PostgresDataSourceOptions): ClientConfig {
  const name = (options.applicationName ?? DEFAULT_APPLICATION_NAME).slice(
    0,
    MAX_APPLICATION_NAME - HEALTH_APPLICATION_NAME_SUFFIX.length,
  );
  return {
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: options.password,
    database: options.database,
    // TypeORM types it as server-side TlsOptions; pg uses the client-side subset the builder sets.
    ssl: options.ssl as ClientConfig['ssl'],
    application_name: `${name}${HEALTH_APPLICATION_NAME_SUFFIX}`,
    keepAlive: true,
  };
}

/**
 * Pings PostgreSQL on a connection of its own, so a check never queues behind application
 * queries in a busy pool, and reads the migration counts on it: one statement per check once the
 * migrations table is known (its read is the ping; the server version comes with the session),
 * prepared once per session (not through a transaction pooler), so the server only executes it.
 * Each check is bounded by its timeout, connecting included; past it the statement is cancelled
 * on the server (the session's `statement_timeout`, and a CancelRequest at once) and the
 * connection replaced, never abandoned. A lock on the migrations table ends the wait at half the
 * bound (`lock_timeout`): up, migrations unknown. After any failure, or on a server that takes no
 * writes, the next check reconnects, so a restarted server, or the new primary behind a re-pointed
 * address, is picked up by itself. Concurrent checks share one round. Never throws.
 *
 * @example
 * const probe = DatabaseProbe.forDataSource(dataSource);
 * const { up, failure } = await probe.check(1000);
 */
export class DatabaseProbe {
  private session: Session | undefined;
  private inflight: Promise<ProbeResult> | undefined;
  private closed = false;
  /** The migrations table was read on this server: from then on reading it is the whole check, one statement. */
  private migrationsTableSeen = false;
  /** The prepared statement's name for each statement text the probe sends (a handful, all its own SQL). */
  private readonly statementNames = new Map<string, string>();

  constructor(
    private readonly config: ClientConfig,
    private readonly migrations?: MigrationCounter,
    private readonly pooler: PoolerMode = 'none',
  ) {}

  /** A probe on the DataSource's server (through its pooler, if any), as the DataSource's role, counting its migrations. */
  static forDataSource(dataSource: DataSource): DatabaseProbe {
    const options = dataSource.options as PostgresDataSourceOptions;
    const pooler = poolerModeOf(dataSource as { pooler?: PoolerMode });
    return new DatabaseProbe(healthConnectionConfig(options), new MigrationCounter(dataSource), pooler);
  }

  /** Pings (and counts migrations) within `timeoutMs`; joins a check already under way. */
  check(timeoutMs: number): Promise<ProbeResult> {
    this.inflight ??= this.run(Math.max(1, Math.floor(timeoutMs)))
      .then((result) => {
        // A read-only session stays so (`default_transaction_read_only` is read at connect): the next check reconnects.
        if (result.readOnly) void this.drop();
        return result;
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** Closes the health connection; later checks answer down. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }

  private async run(timeoutMs: number): Promise<ProbeResult> {
    const started = performance.now();
    const deadline = started + timeoutMs;
    const elapsed = () => Math.round(performance.now() - started);
    let answer: Answer | typeof TIMED_OUT;
    try {
      answer = await within(deadline, this.ask(timeoutMs));
    } catch (error) {
      void this.drop();
      const failure = this.closed ? { cause: 'shutting down' } : describeConnectionFailure(error, timeoutMs);
      return { up: false, responseTimeMs: elapsed(), failure };
    }
    if (answer === TIMED_OUT) {
      const cause = timeoutCause(timeoutMs, this.session?.connected ? undefined : 'connecting');
      this.abort();
      return { up: false, responseTimeMs: elapsed(), failure: { cause } };
    }
    const { version, readOnly, migrations, migrationsFailure } = answer;
    return { up: true, responseTimeMs: elapsed(), serverVersion: version, readOnly, migrations, migrationsFailure };
  }

  /**
   * One statement in the steady state: the read of the migrations table is the ping (the server
   * version came with the session's start). A statement the server refuses (a missing table, a lock
   * held past `lock_timeout`, no privilege) still proves it answers: up, migrations unknown.
   */
  private async ask(timeoutMs: number): Promise<Answer> {
    const session = await this.connection(timeoutMs);
    const { client } = session;
    if (this.pooler !== 'transaction' && session.timeoutMs !== timeoutMs) {
      // Written ahead of the check on the pipelined connection: no extra round trip.
      session.timeoutMs = timeoutMs;
      const set = `SET statement_timeout = ${timeoutMs}; SET lock_timeout = ${lockTimeout(timeoutMs)}`;
      client.query(set).catch(() => undefined);
    }
    const query: RowQuery = (sql, parameters) => this.send(client, timeoutMs, sql, parameters);
    const ping = async () => (await query(PING))[0].read_only === true;
    if (!this.migrations) return { version: session.version, readOnly: await ping() };
    try {
      const read = await this.readMigrations(this.migrations, query);
      // Without the table's rows to carry it (first check, no table): the ping says it.
      const readOnly = read.readOnly ?? (await ping());
      return { version: session.version, readOnly, migrations: read.counts };
    } catch (error) {
      if (!answeredByServer(error)) throw error;
      return { version: session.version, migrationsFailure: describeConnectionFailure(error, timeoutMs) };
    }
  }

  /**
   * Runs one statement of the check. On its own session (no pooler, or a session pooler) a statement
   * without parameters is a named prepared statement, parsed and planned once per session: each
   * check then costs the server its execution only (about a third less server CPU than the same
   * text sent as a simple query). Through a transaction pooler a prepared statement would stay on a
   * server connection other clients get next, and so would a session `SET`, so there the bounds are
   * `SET LOCAL` in the statement's own (implicit) transaction, one simple query string; the values
   * are integers the probe computed, never input. A statement with parameters cannot share a query
   * string: it runs bounded by the probe's timer and CancelRequest (only until the migrations table
   * is known).
   */
  private async send(client: Client, timeoutMs: number, sql: string, parameters?: unknown[]): Promise<any[]> {
    if (parameters?.length) return (await client.query(sql, parameters)).rows;
    if (this.pooler !== 'transaction') return (await client.query({ name: this.statementName(sql), text: sql })).rows;
    const bounds = `SET LOCAL statement_timeout = ${timeoutMs}; SET LOCAL lock_timeout = ${lockTimeout(timeoutMs)}`;
    const results = (await client.query(`${bounds}; ${sql}`)) as unknown as QueryResult[];
    return results[2].rows;
  }

  /** The name `sql` is prepared under on every session of this probe (pg prepares it on each new connection). */
  private statementName(sql: string): string {
    let name = this.statementNames.get(sql);
    if (name === undefined) {
      name = `${HEALTH_STATEMENT_PREFIX}${this.statementNames.size + 1}`;
      this.statementNames.set(sql, name);
    }
    return name;
  }

  /**
   * The migrations table in one statement once it is known to exist, each row also saying whether
   * the server takes writes; else whether it exists first.
   */
  private async readMigrations(
    migrations: MigrationCounter,
    query: RowQuery,
  ): Promise<{ counts: MigrationCounts; readOnly?: boolean }> {
    let read: { counts: MigrationCounts; readOnly?: boolean } | undefined;
    if (this.migrationsTableSeen) {
      try {
        const rows = await query(migrations.appliedSqlWith(READ_ONLY));
        read = { counts: migrations.countRows(rows), readOnly: rows.length ? rows[0].read_only === true : undefined };
      } catch (error) {
        // The table is gone: read apart (which tells a missing table) from now on.
        if (serverSqlState(error) !== UNDEFINED_TABLE) throw error;
      }
    }
    read ??= { counts: await migrations.read(query) };
    this.migrationsTableSeen = read.counts.applied > 0;
    return read;
  }

  private async connection(timeoutMs: number): Promise<Session> {
    if (this.closed) throw new Error('the health probe is closed');
    if (!this.session) {
      // The server cancels this session's statements past the bound, and ends lock waits at half of
      // it: startup parameters, which a pooler refuses (it is then told with SET, see `ask` and `send`).
      const direct = this.pooler === 'none';
      const client = new Client({
        ...this.config,
        connectionTimeoutMillis: timeoutMs,
        ...(direct ? { statement_timeout: timeoutMs, lock_timeout: lockTimeout(timeoutMs) } : {}),
        pipeline: true,
      });
      // Without these listeners a connection dropped by the server would crash the process.
      client.on('error', () => this.forget(client));
      client.on('end', () => this.forget(client));
      const session: Session = {
        client,
        ready: client.connect().then(() => (session.connected = true)),
        connected: false,
        timeoutMs: direct ? timeoutMs : undefined,
      };
      client.connection.on('parameterStatus', (message: { parameterName: string; parameterValue: string }) => {
        if (message.parameterName === 'server_version') session.version = message.parameterValue;
      });
      this.session = session;
    }
    const session = this.session;
    await session.ready;
    return session;
  }

  private forget(client: Client): void {
    if (this.session?.client === client) this.session = undefined;
  }

  /** Closes the connection (the next check opens a new one); bounded, never rejects. */
  private async drop(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    const ended = await within(
      performance.now() + END_TIMEOUT_MS,
      session.client.end().catch(() => undefined),
    );
    if (ended === TIMED_OUT) session.client.connection.stream.destroy();
  }

  /**
   * After a timeout: cancels the running statement on the server and closes the socket at once.
   * A polite `end()` would half-close and wait for a server that is not answering.
   */
  private abort(): void {
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    void sendCancelRequest(session.client);
    session.client.connection.stream.destroy();
  }
}
