import { Client, ClientConfig, Pool, PoolClient, PoolConfig } from 'pg';
import { describeConnectionFailure } from '../health/connection-failure';
import { parseWalPosition } from './wal-position';

/** Where a replica stands: serving reads, too far behind, or unreachable (or not a replica). */
export type ReplicaStatus = 'up' | 'lagging' | 'down';

/** A replica's state, as `/health` and `/metrics` show it. */
export interface ReplicaState {
  /** `replica-1`, `replica-2`, …: its place in the list (`DB_READ_REPLICA_URLS`), never a host or a credential. */
  name: string;
  status: ReplicaStatus;
  /** Bytes of WAL behind the primary at the last check; undefined until measured. */
  lagBytes?: number;
  /** How long the primary has had WAL this replica has not replayed, at the last check (its resolution: the check interval). */
  lagMs?: number;
  /** Why it is down or lagging, in words (never a host or a credential). */
  cause?: string;
  /** Reads it served since start. */
  reads: number;
}

/** @internal The cause of a replica not checked yet. */
export const NOT_CHECKED = 'not checked yet';

/** @internal One replica: its pool for reads, a connection of its own for the checks, and its last measured state. */
export class ReplicaNode {
  readonly pool: Pool;
  /** Clients of this replica's pool: statements on them are reads, never writes. */
  readonly clients = new WeakSet<object>();
  status: ReplicaStatus = 'down';
  cause: string | undefined = NOT_CHECKED;
  /** Replay position at the last check. */
  replayed: bigint | undefined;
  lagBytes: number | undefined;
  lagMs: number | undefined;
  reads = 0;
  private monitor: Client | undefined;

  constructor(
    readonly name: string,
    /** `host:port`, for the logs only. */
    readonly address: string,
    private readonly config: PoolConfig,
    private readonly checkTimeoutMs: number,
  ) {
    this.pool = new Pool(config);
    this.pool.on('connect', (client) => this.clients.add(client));
    // An idle client whose server went away: the pool drops it; the next check says why.
    this.pool.on('error', () => undefined);
  }

  /** Whether a statement ran (or runs) on this replica: its pool or one of its clients. */
  owns(on: object): boolean {
    return on === this.pool || this.clients.has(on);
  }

  /** A client of this replica's pool. */
  connect(): Promise<PoolClient> {
    return this.pool.connect();
  }

  /**
   * Reads whether the server is a standby and how far it replayed, on the check connection
   * (opened again after any failure): the position, or why it cannot serve, in words.
   */
  async readReplayPosition(): Promise<bigint | { cause: string }> {
    try {
      this.monitor ??= await this.openMonitor();
      const { rows } = await this.monitor.query({
        text: 'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed',
        query_timeout: this.checkTimeoutMs,
      } as never);
      const row = rows[0] as { standby: boolean; replayed: string | null };
      const replayed = parseWalPosition(row.replayed);
      if (!row.standby || replayed === undefined) {
        return { cause: 'not a streaming replica (pg_is_in_recovery() is false: promoted, or a primary)' };
      }
      return replayed;
    } catch (error) {
      await this.closeMonitor();
      return { cause: describeConnectionFailure(error, this.checkTimeoutMs).cause };
    }
  }

  state(): ReplicaState {
    const { name, status, lagBytes, lagMs, cause, reads } = this;
    return { name, status, lagBytes, lagMs, cause: status === 'up' ? undefined : cause, reads };
  }

  async close(): Promise<void> {
    await this.closeMonitor();
    await this.pool.end().catch(() => undefined);
  }

  private async openMonitor(): Promise<Client> {
    const {
      max: _max,
      min: _min,
      idleTimeoutMillis: _idle,
      ...connection
    } = this.config as PoolConfig & {
      min?: number;
    };
    const client = new Client({
      ...(connection as ClientConfig),
      connectionTimeoutMillis: this.checkTimeoutMs,
      application_name: `${this.config.application_name ?? 'nest-pg-database'}:replica-check`,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  private async closeMonitor(): Promise<void> {
    const monitor = this.monitor;
    this.monitor = undefined;
    await monitor?.end().catch(() => undefined);
  }
}
