import { Logger } from '@nestjs/common';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { READ_ONLY_SQL_TRANSACTION, sqlStateOf } from '../errors/sql-state';
import { currentScope } from '../transactions/transaction-context';
import { isConnectionLoss } from '../transactions/transaction-retry';
import { currentConsistency, primaryRequested, readFromPrimary } from './read-context';
import { NOT_CHECKED, ReplicaNode, ReplicaState } from './replica-node';
import { parseWalPosition } from './wal-position';
import { WalTimeline } from './wal-timeline';

/** @internal What the router needs, resolved: the pools' settings and the lag rules. */
export interface ReadRouterSettings {
  /** `name` (`replica-1`, …) is what health and metrics show; `address` (`host:port`) only the logs. */
  replicas: Array<{ name: string; address: string; pool: PoolConfig }>;
  maxLagMs: number;
  checkIntervalMs: number;
}

/** Reads served by the primary and by the replicas, and reads retried on the primary. */
export interface ReadRoutingStats {
  primaryReads: number;
  /** Reads that failed on a replica with a connection error (or a recovery conflict) and ran again on the primary. */
  retriedOnPrimary: number;
}

/** What `/health` and `/metrics` read from the router: each replica's state and the reads routed. */
export interface ReadReplicaReport {
  states(): ReplicaState[];
  readonly stats: ReadRoutingStats;
}

type Connection = [PoolClient, (error?: unknown) => void];
type PostgresDriver = {
  master?: Pool;
  isReplicated: boolean;
  obtainMasterConnection(): Promise<Connection>;
  obtainSlaveConnection(): Promise<Connection>;
};

/** A standby cancelled the read because replay needed what it read (SQLSTATE 40001 there): the primary has no such conflict. */
const RECOVERY_CONFLICT = '40001';

const routers = new WeakMap<DataSource, ReadRouter>();

/** @internal The read router of a DataSource with replicas, if any. */
export function readRouterOf(dataSource: DataSource): ReadRouter | undefined {
  return routers.get(dataSource);
}

/**
 * @internal Sends reads outside transactions to a healthy replica and everything else to the
 * primary; measures each replica's lag in the background. A replica is in the rotation while it
 * answers, is a standby and is at most `maxLagMs` behind; a read that fails on it with a connection
 * error runs again, once, on the primary, and the replica leaves the rotation until a check finds it
 * healthy. Within a request, reads after a write go to the primary; a request carrying a consistency
 * token goes to a replica only if that replica had replayed the token's position at its last check.
 * TypeORM's own reads (`find`, query builders: TypeORM's "slave" mode) go through the same choice.
 */
export class ReadRouter implements ReadReplicaReport {
  readonly nodes: ReplicaNode[];
  readonly stats: ReadRoutingStats = { primaryReads: 0, retriedOnPrimary: 0 };
  private readonly logger = new Logger('ReadReplicas');
  private readonly timeline = new WalTimeline();
  /** The replicas in the rotation now. */
  private rotation: ReplicaNode[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private checking: Promise<void> | undefined;
  private readonly primaryConnection: () => Promise<Connection>;
  /** Primary connections lent to a read (a stream) until given back: not writes. */
  private readonly readClients = new WeakSet<object>();

  private constructor(
    private readonly dataSource: DataSource,
    private readonly settings: ReadRouterSettings,
  ) {
    const checkTimeoutMs = Math.max(1_000, settings.checkIntervalMs * 2);
    this.nodes = settings.replicas.map((r) => new ReplicaNode(r.name, r.address, r.pool, checkTimeoutMs));
    const driver = dataSource.driver as unknown as PostgresDriver;
    const master = driver.obtainMasterConnection.bind(driver);
    this.primaryConnection = master;
    // TypeORM asks for a "slave" connection for its reads only when it believes it is replicated.
    driver.isReplicated = true;
    driver.obtainSlaveConnection = () => this.typeormRead();
    driver.obtainMasterConnection = () => {
      this.noteWrite();
      return master();
    };
  }

  /** Routes the DataSource's reads to `settings.replicas` and starts measuring them; the app starts whatever they answer. */
  static install(dataSource: DataSource, settings: ReadRouterSettings): ReadRouter {
    const router = new ReadRouter(dataSource, settings);
    routers.set(dataSource, router);
    router.schedule(0);
    return router;
  }

  /** The replica a read outside a transaction goes to now, or undefined for the primary. */
  pick(): ReplicaNode | undefined {
    const rotation = this.rotation;
    if (rotation.length === 0 || currentScope(this.dataSource) !== undefined || primaryRequested()) return undefined;
    const consistency = currentConsistency();
    if (consistency?.wrote) return undefined;
    const atLeast = consistency?.atLeast;
    for (let tries = 0; tries < rotation.length; tries++) {
      const node = rotation[this.next++ % rotation.length];
      if (atLeast === undefined || (node.replayed !== undefined && node.replayed >= atLeast)) return node;
    }
    return undefined;
  }

  /**
   * Runs a read on `pick()`'s replica, or on the primary (`onPrimary`); a connection failure (or a
   * recovery conflict) on the replica runs it again on the primary.
   */
  async read<R, Q>(run: (on: Q | Pool) => Promise<R>, onPrimary: () => Q): Promise<R> {
    const node = this.pick();
    if (node === undefined) {
      this.stats.primaryReads++;
      return run(onPrimary());
    }
    node.reads++;
    try {
      return await run(node.pool);
    } catch (error) {
      if (!this.replicaFailed(node, error)) throw error;
      this.stats.primaryReads++;
      return run(onPrimary());
    }
  }

  /**
   * A connection for a multi-statement read (a stream): a replica's, or the primary's when none can
   * serve or `primaryOnly`. Its statements do not count as writes until {@link releaseRead}.
   */
  async connectForRead(primary: () => Promise<PoolClient>, primaryOnly: boolean): Promise<PoolClient> {
    const node = primaryOnly ? undefined : this.pick();
    if (node !== undefined) {
      node.reads++;
      try {
        return await node.connect();
      } catch (error) {
        this.replicaFailed(node, error);
      }
    }
    this.stats.primaryReads++;
    const client = await primary();
    this.readClients.add(client);
    return client;
  }

  /** Gives back a connection of {@link connectForRead} (destroyed after `error`). */
  releaseRead(client: PoolClient, error?: Error): void {
    this.readClients.delete(client);
    client.release(error);
  }

  /**
   * Runs a TypeORM read (`fn`, whose connection the driver hook chose); when it fails with a lost
   * connection outside a transaction, runs it once more with every read on the primary.
   */
  async retryingOnPrimary<R>(fn: () => Promise<R>): Promise<R> {
    try {
      return await fn();
    } catch (error) {
      if (currentScope(this.dataSource) !== undefined || primaryRequested() || !isConnectionLoss(error)) throw error;
      this.stats.retriedOnPrimary++;
      return readFromPrimary(fn);
    }
  }

  /** Records that this request may have written (a statement on the primary outside the read path). */
  noteWrite(on?: object): void {
    const consistency = currentConsistency();
    if (consistency === undefined || consistency.wrote) return;
    if (on !== undefined && (this.readClients.has(on) || this.nodes.some((n) => n.owns(on)))) return;
    consistency.wrote = true;
  }

  /** The primary's WAL insert position now: at or past every commit that has returned (a consistency token). */
  async primaryPosition(): Promise<string | undefined> {
    const pool = (this.dataSource.driver as unknown as PostgresDriver).master;
    if (!pool) return undefined;
    const { rows } = await pool.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    return rows[0]?.lsn;
  }

  /** Each replica's state now. */
  states(): ReplicaState[] {
    return this.nodes.map((n) => n.state());
  }

  /** Stops the checks and closes the replicas' pools (after the HTTP drain). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.checking;
    this.rotation = [];
    await Promise.all(this.nodes.map((n) => n.close()));
  }

  /** @internal Runs one round of checks now (tests; the timer does it every `checkIntervalMs`). */
  async checkNow(): Promise<void> {
    await this.checking;
    this.checking = this.check();
    await this.checking;
  }

  /** TypeORM's reads: a replica's connection, or the primary's when none can serve (not counted as a write). */
  private async typeormRead(): Promise<Connection> {
    const node = this.pick();
    if (node !== undefined) {
      node.reads++;
      try {
        const client = await node.connect();
        return [client, (error?: unknown) => client.release(error as Error | undefined)];
      } catch (error) {
        this.replicaFailed(node, error);
      }
    }
    this.stats.primaryReads++;
    return this.primaryConnection();
  }

  /** Whether `error` on `node` is the replica's fault (then it leaves the rotation and the read may run on the primary). */
  private replicaFailed(node: ReplicaNode, error: unknown): boolean {
    const code = sqlStateOf(error);
    // A recovery conflict, or a statement a standby refuses (25006: it writes or locks), is the read's
    // fault on a replica, not the replica's: run on the primary, keep the replica.
    const replicaOnly = code === RECOVERY_CONFLICT || code === READ_ONLY_SQL_TRANSACTION;
    if (!replicaOnly && !isConnectionLoss(error)) return false;
    this.stats.retriedOnPrimary++;
    if (!replicaOnly) {
      this.transition(node, 'down', 'a read failed: connection lost or refused');
      this.updateRotation();
    }
    return true;
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      // check() handles its own failures; the catch only keeps an unexpected one from going unhandled.
      this.checking = this.check()
        .catch(() => undefined)
        .finally(() => this.schedule(this.settings.checkIntervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /** One round: the primary's position, then every replica's replay position and lag. */
  private async check(): Promise<void> {
    const pool = (this.dataSource.driver as unknown as PostgresDriver).master;
    if (pool) {
      try {
        const { rows } = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
        const position = parseWalPosition(rows[0]?.lsn);
        if (position !== undefined) this.timeline.record(position, Date.now());
      } catch {
        // The primary's own health is the probe's business; the replicas keep their last lag.
      }
    }
    await Promise.all(
      this.nodes.map(async (node) => {
        const replayed = await node.readReplayPosition();
        if (typeof replayed !== 'bigint') {
          this.transition(node, 'down', replayed.cause);
          return;
        }
        node.replayed = replayed;
        if (this.timeline.latest === undefined) {
          this.transition(node, 'down', 'lag unknown: the primary is not connected');
          return;
        }
        const lag = this.timeline.lagOf(replayed, Date.now());
        node.lagBytes = lag.bytes;
        node.lagMs = lag.ms;
        if (lag.ms > this.settings.maxLagMs) {
          this.transition(node, 'lagging', `${lag.ms} ms behind (DB_REPLICA_MAX_LAG_MS=${this.settings.maxLagMs})`);
        } else this.transition(node, 'up', undefined);
      }),
    );
    this.updateRotation();
  }

  private transition(node: ReplicaNode, status: ReplicaNode['status'], cause: string | undefined): void {
    const before = node.status;
    const first = node.cause === NOT_CHECKED;
    node.status = status;
    node.cause = cause;
    if (before === status && !first) return;
    if (status === 'up') this.logger.log(`${node.name} (${node.address}) is ${first ? 'in' : 'back in'} the rotation`);
    else this.logger.warn(`${node.name} (${node.address}) is out of the rotation (${status}): ${cause}`);
  }

  private updateRotation(): void {
    this.rotation = this.closed ? [] : this.nodes.filter((n) => n.status === 'up');
  }
}
