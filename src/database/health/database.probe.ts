import { performance } from 'node:perf_hooks';
import { Client, ClientConfig, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { DEFAULT_APPLICATION_NAME, HEALTH_APPLICATION_NAME_SUFFIX } from '../database.constants';
import { sendCancelRequest } from './cancel-request';
import { ConnectionFailure, describeConnectionFailure, timeoutCause } from './connection-failure';
import { MigrationCounter, MigrationCounts } from './migration-counts';
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

const PING = `SELECT current_setting('server_version') AS version, pg_is_in_recovery() OR current_setting('transaction_read_only')::boolean AS read_only`;
/**
 * The ping with the session's statement timeout. Through a transaction pooler a session `SET` would
 * stay on a server connection that other clients get next, so it is `SET LOCAL` in the ping's own
 * transaction there; the timeout's value is an integer the probe computed, never input.
 */
function pingStatement(timeoutMs: number, pooler: PoolerMode): { text: string; pingIndex: number } {
  if (pooler === 'transaction') {
    return { text: `BEGIN; SET LOCAL statement_timeout = ${timeoutMs}; ${PING}; COMMIT`, pingIndex: 2 };
  }
  return { text: `SET statement_timeout = ${timeoutMs}; ${PING}`, pingIndex: 1 };
}
/** SQLSTATE of a missing table. */
const UNDEFINED_TABLE = '42P01';
const TIMED_OUT = Symbol('timed out');
const MAX_APPLICATION_NAME = 63;
/** How long a polite goodbye may take before the socket is simply closed. */
const END_TIMEOUT_MS = 1_000;

interface Session {
  client: Client;
  ready: Promise<unknown>;
  connected: boolean;
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
 * queries in a busy pool, and reads the migration counts on it. Each check is bounded by its
 * timeout, connecting included; past it the statement is cancelled on the server (the session's
 * `statement_timeout`, and a CancelRequest at once) and the connection replaced, never abandoned.
 * After any failure, or on a server that takes no writes, the next check reconnects, so a restarted
 * server, or the new primary behind a re-pointed address, is picked up by itself.
 * Concurrent checks share one round. Never throws.
 *
 * @example
 * const probe = DatabaseProbe.forDataSource(dataSource);
 * const { up, failure } = await probe.check(1000);
 */
export class DatabaseProbe {
  private session: Session | undefined;
  private inflight: Promise<ProbeResult> | undefined;
  private closed = false;
  /** The migrations table was read on this server: from then on it is read with the ping, in one round trip. */
  private migrationsTableSeen = false;

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
    let pinged: Awaited<ReturnType<DatabaseProbe['ping']>> | typeof TIMED_OUT;
    try {
      pinged = await within(deadline, this.ping(timeoutMs));
    } catch (error) {
      void this.drop();
      const failure = this.closed ? { cause: 'shutting down' } : describeConnectionFailure(error, timeoutMs);
      return { up: false, responseTimeMs: elapsed(), failure };
    }
    if (pinged === TIMED_OUT) {
      const cause = timeoutCause(timeoutMs, this.session?.connected ? undefined : 'connecting');
      this.abort();
      return { up: false, responseTimeMs: elapsed(), failure: { cause } };
    }
    const result: ProbeResult = {
      up: true,
      responseTimeMs: elapsed(),
      serverVersion: pinged.version,
      readOnly: pinged.readOnly,
    };
    if (!this.migrations) return result;
    const { client, applied } = pinged;
    const migrations = this.migrations;
    const readApart = () => migrations.read((sql, parameters) => client.query(sql, parameters).then((r) => r.rows));
    try {
      const read = applied
        ? applied.then(
            (rows) => migrations.countRows(rows),
            (error: unknown) => {
              // The table is gone: read apart (which tells a missing table) from now on.
              if ((error as { code?: string }).code !== UNDEFINED_TABLE) throw error;
              this.migrationsTableSeen = false;
              return readApart();
            },
          )
        : readApart();
      const counts = await within(deadline, read);
      if (counts !== TIMED_OUT) {
        this.migrationsTableSeen = counts.applied > 0;
        return { ...result, migrations: counts };
      }
      this.abort();
      return { ...result, migrationsFailure: { cause: timeoutCause(timeoutMs) } };
    } catch (error) {
      return { ...result, migrationsFailure: describeConnectionFailure(error, timeoutMs) };
    }
  }

  /**
   * The session's statement timeout and the ping in one statement; once the migrations table is
   * known to exist, its read is sent right behind it on the same (pipelined) connection, so both
   * answer in one round trip, and a stalled read never holds back the ping's answer.
   */
  private async ping(
    timeoutMs: number,
  ): Promise<{ client: Client; version: string; readOnly: boolean; applied?: Promise<any[]> }> {
    const client = await this.connection(timeoutMs);
    // The server cancels this session's statements past the timeout.
    const statement = pingStatement(timeoutMs, this.pooler);
    const ping = client.query(statement.text) as unknown as Promise<QueryResult[]>;
    const applied =
      this.migrationsTableSeen && this.migrations
        ? client.query(this.migrations.appliedSql).then((r) => r.rows)
        : undefined;
    applied?.catch(() => undefined); // awaited by the caller only when the ping answers
    const results = await ping;
    const row = results[statement.pingIndex].rows[0];
    return { client, version: String(row.version), readOnly: row.read_only === true, applied };
  }

  private async connection(timeoutMs: number): Promise<Client> {
    if (this.closed) throw new Error('the health probe is closed');
    if (!this.session) {
      // Pipelined: the migrations read is written right behind the ping, not after its answer.
      const client = new Client({ ...this.config, connectionTimeoutMillis: timeoutMs, pipeline: true });
      // Without these listeners a connection dropped by the server would crash the process.
      client.on('error', () => this.forget(client));
      client.on('end', () => this.forget(client));
      const session: Session = {
        client,
        ready: client.connect().then(() => (session.connected = true)),
        connected: false,
      };
      this.session = session;
    }
    const { client, ready } = this.session;
    await ready;
    return client;
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
