import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DatabaseStats, PoolStats } from '../../database/database.service';
import type { ProbeResult } from '../../database/health/database.probe';
import type { SqlObserver } from '../../database/sql/sql-executor';
import type { ReplicaState } from '../../database/replicas/replica-node';
import type { ReadRoutingStats } from '../../database/replicas/read-router';
import { StatementHistogram, StatementSeries } from './statement-histogram';
import { statementLabels } from './statement-labels';

/** Where {@link DatabaseMetrics} reads its figures at scrape time. */
export interface DatabaseMetricsSources {
  /** Pool, statement and transaction figures: `DatabaseService.getStats`. */
  stats: () => DatabaseStats;
  /** A health probe round (`db_up`, migrations applied and pending); omitted, those gauges are absent. */
  probe?: () => Promise<ProbeResult>;
  /** Read replicas' states and the reads routed; omitted (no replicas), the `db_replica_*` metrics are absent. */
  replicas?: () => { states: ReplicaState[]; stats: ReadRoutingStats };
}

const REPLICA_STATUSES = ['up', 'lagging', 'down'] as const;

const QUERY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HEALTH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Reasons a transaction is retried (TransactionManager): serialization failure, deadlock, lost connection. */
const RETRY_REASONS = ['40001', '40P01', 'connection'];

type Outcome = 'ok' | 'error';

/** A statement's labels and, once observed, its series by outcome. */
interface StatementSeriesPair {
  labels: ReturnType<typeof statementLabels>;
  ok?: StatementSeries;
  error?: StatementSeries;
}

/**
 * The database's Prometheus metrics on a registry the application owns: pool gauges, statement
 * durations by operation, failures by SQLSTATE class, transactions and their retries, migrations
 * and reachability, health check durations. Gauges and counters are read from their sources at
 * scrape time; statement durations arrive through {@link SqlObserver}.
 *
 * @example
 * const metrics = new DatabaseMetrics(registry, { stats: () => db.getStats(), probe: () => probe.check(1000) });
 * db.observeQueries(metrics);
 */
export class DatabaseMetrics implements SqlObserver {
  private readonly queryDuration: StatementHistogram;
  private readonly healthDuration: Histogram<'check' | 'status'>;
  /** The two series (ok, error) of each compiled statement by name (a bounded set): the hot path neither parses names nor hashes labels. */
  private readonly compiled = new Map<string, StatementSeriesPair>();

  constructor(registry: Registry, sources: DatabaseMetricsSources) {
    const registers = [registry];
    const pool = (name: string, help: string, read: (pool: PoolStats) => number) =>
      new Gauge({ name, help, registers, collect: gaugeFrom(() => read(sources.stats().pool)) });
    pool('db_pool_connections', 'Open connections of the pool, busy or idle', (p) => p.total);
    pool('db_pool_idle_connections', 'Idle connections of the pool', (p) => p.idle);
    pool('db_pool_waiting_clients', 'Callers waiting for a pooled connection', (p) => p.waiting);
    pool('db_pool_max_connections', 'Most connections the pool opens (DB_POOL_MAX)', (p) => p.max);
    pool('db_pool_saturated', '1 while every connection is busy and callers wait', (p) => Number(p.saturated));
    new Gauge({
      name: 'db_connection_ready',
      help: '1 once the module is connected and startup migrations ran; 0 while starting degraded or shutting down',
      registers,
      collect: gaugeFrom(() => Number(sources.stats().connection.phase === 'ready')),
    });
    new Gauge({
      name: 'db_connection_attempts',
      help: 'Connection attempts since start (more than 1: the database was unreachable at startup)',
      registers,
      collect: gaugeFrom(() => sources.stats().connection.attempts),
    });

    this.queryDuration = new StatementHistogram(
      'db_query_duration_seconds',
      'Duration of statements run by RepositoryService and DatabaseService.query/execute',
      QUERY_BUCKETS,
      registers,
    );
    counterFrom(registers, 'db_query_errors_total', 'Failed statements by SQLSTATE class', 'sqlstate_class', () => {
      return sources.stats().queries.failedBySqlStateClass;
    });
    counterFrom(registers, 'db_transactions_total', 'Finished transactions by outcome', 'outcome', () => {
      const { committed, rolledBack } = sources.stats().transactions;
      return { committed, rolled_back: rolledBack };
    });
    counterFrom(
      registers,
      'db_transaction_retries_total',
      'Transactions run again, by the SQLSTATE that caused it',
      'sqlstate',
      () => sources.stats().transactions.retriesBySqlState,
      RETRY_REASONS,
    );

    const probe = sources.probe;
    if (probe) {
      const fromProbe = (name: string, help: string, read: (r: ProbeResult) => number | undefined) =>
        new Gauge({ name, help, registers, collect: gaugeFrom(async () => read(await probe())) });
      fromProbe('db_up', '1 when the health connection pings the database', (r) => Number(r.up));
      fromProbe('db_migrations_applied', 'Migrations applied to the database', (r) => r.migrations?.applied);
      fromProbe('db_migrations_pending', 'Migrations in the code not applied yet', (r) => r.migrations?.pending);
    }

    if (sources.replicas) this.replicaMetrics(registers, sources.replicas);

    this.healthDuration = new Histogram({
      name: 'db_health_check_duration_seconds',
      help: 'Duration of health checks by check and resulting status',
      labelNames: ['check', 'status'],
      buckets: HEALTH_BUCKETS,
      registers,
    });
  }

  /** Records a statement's duration (the SqlExecutor calls it). */
  onStatement(
    name: string | undefined,
    text: string,
    entity: string | undefined,
    durationMs: number,
    sqlState: string | undefined,
  ): void {
    let pair = name ? this.compiled.get(name) : undefined;
    if (!pair) {
      pair = { labels: statementLabels(name, text, entity) };
      if (name) this.compiled.set(name, pair);
    }
    const outcome: Outcome = sqlState === undefined ? 'ok' : 'error';
    const series = (pair[outcome] ??= this.queryDuration.seriesOf({ ...pair.labels, outcome }));
    this.queryDuration.observe(series, durationMs / 1000);
  }

  /** Per-replica lag, state and reads, read from the router at scrape time. */
  private replicaMetrics(registers: Registry[], read: NonNullable<DatabaseMetricsSources['replicas']>): void {
    const perReplica = (name: string, help: string, value: (r: ReplicaState) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['replica'],
        registers,
        collect() {
          this.reset();
          for (const replica of read().states) {
            const v = value(replica);
            if (v !== undefined) this.set({ replica: replica.name }, v);
          }
        },
      });
    perReplica('db_replica_lag_seconds', 'How long the primary has had WAL the replica has not replayed', (r) =>
      r.lagMs === undefined ? undefined : r.lagMs / 1000,
    );
    perReplica('db_replica_lag_bytes', 'WAL bytes the replica is behind the primary', (r) => r.lagBytes);
    new Gauge({
      name: 'db_replica_state',
      help: '1 for the state each replica is in (up: in the rotation; lagging: over DB_REPLICA_MAX_LAG_MS; down)',
      labelNames: ['replica', 'state'],
      registers,
      collect() {
        this.reset();
        for (const replica of read().states) {
          for (const state of REPLICA_STATUSES)
            this.set({ replica: replica.name, state }, Number(replica.status === state));
        }
      },
    });
    new Counter({
      name: 'db_replica_reads_total',
      help: 'Reads outside transactions by where they ran: a replica (replica-1, … in DB_READ_REPLICA_URLS order) or the primary',
      labelNames: ['target'],
      registers,
      collect() {
        const { states, stats } = read();
        this.reset();
        this.inc({ target: 'primary' }, stats.primaryReads);
        for (const replica of states) this.inc({ target: replica.name }, replica.reads);
      },
    });
    new Counter({
      name: 'db_replica_read_retries_total',
      help: 'Reads that failed on a replica (connection lost, recovery conflict) and ran again on the primary',
      registers,
      collect() {
        this.reset();
        this.inc(read().stats.retriedOnPrimary);
      },
    });
  }

  /** Records how long a health check took and what it answered. */
  observeHealthCheck(check: string, status: string, durationMs: number): void {
    this.healthDuration.observe({ check, status }, durationMs / 1000);
  }
}

/** @internal A gauge `collect` setting the value `read` returns; an unknown value leaves no sample. */
function gaugeFrom(read: () => number | undefined | Promise<number | undefined>) {
  return async function (this: Gauge) {
    const value = await read();
    this.reset();
    if (value !== undefined) this.set(value);
  };
}

/** @internal A counter mirroring a running tally by label value, read at scrape time. */
function counterFrom(
  registers: Registry[],
  name: string,
  help: string,
  label: string,
  read: () => Record<string, number>,
  always: string[] = [],
): Counter {
  return new Counter({
    name,
    help,
    labelNames: [label],
    registers,
    collect() {
      const tally = read();
      this.reset();
      for (const key of new Set([...always, ...Object.keys(tally)])) this.inc({ [label]: key }, tally[key] ?? 0);
    },
  });
}
