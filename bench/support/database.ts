import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { appDataSourceOptions } from '../../src/app.data-source';
import { EmbeddedPostgresLauncher } from '../../src/database';
import { postmasterPid, processAlive } from '../../src/database/embedded/embedded-postgres.launcher';
import { withServerPinned } from './cpu-affinity';

/** The PostgreSQL the run uses, and how to stop it. */
export interface BenchDatabase {
  url: string;
  /** `embedded` or `BENCH_DATABASE_URL`. */
  source: string;
  stop(): Promise<void>;
}

/**
 * Where the embedded server keeps its files: `BENCH_DATA_DIR`, else `/dev/shm` (memory) when the
 * machine has it, else the temporary directory. On a disk, the kernel writing dirty pages back
 * stalls some windows for hundreds of milliseconds (seen here: one contender's single inserts
 * ranging from 558 to 5,837 ops/s within one scenario), whoever's turn it is.
 */
function dataRoot(): string {
  if (process.env.BENCH_DATA_DIR) return process.env.BENCH_DATA_DIR;
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * Removes the data directories of earlier runs that were killed before they could stop their
 * server (Ctrl-C, a timeout): in `/dev/shm` each holds 1–3.5 GB of the machine's memory until the
 * next reboot (five of them held 6.6 GB here). A directory whose `postmaster.pid` names a live
 * process belongs to a run still going and is left alone.
 */
async function removeAbandoned(root: string): Promise<void> {
  for (const entry of await readdir(root).catch(() => [])) {
    if (!entry.startsWith('bench-pg-')) continue;
    const dir = join(root, entry);
    const pid = postmasterPid(join(dir, 'data'));
    // No pid file: a run still initialising its directory (initdb takes seconds), unless the
    // directory is 10 minutes old.
    const abandoned =
      pid !== undefined
        ? !processAlive(pid)
        : Date.now() - ((await stat(dir).catch(() => undefined))?.mtimeMs ?? Date.now()) > 600_000;
    if (abandoned) await rm(dir, { recursive: true, force: true });
  }
}

/** `BENCH_DATABASE_URL` when set, else an embedded server in a temporary directory (fsync off). */
export async function startDatabase(): Promise<BenchDatabase> {
  const external = process.env.BENCH_DATABASE_URL;
  if (external) return { url: external, source: 'BENCH_DATABASE_URL', stop: async () => undefined };
  const root = dataRoot();
  await removeAbandoned(root);
  const dataDir = await mkdtemp(join(root, 'bench-pg-'));
  await chmod(dataDir, 0o755); // the server runs as the 'postgres' user when we are root
  const { value: server, placement } = await withServerPinned(() =>
    EmbeddedPostgresLauncher.start({
      dataDir: join(dataDir, 'data'),
      port: 0,
      database: 'bench',
      // Throughput settings for a throwaway server (no durability), the data set in memory, and the
      // planner's cost of a random page set for that (and for SSDs): with the default 4 it prefers
      // the (created_at, id) index for a filtered keyset page and reads 5 rows for every one it keeps.
      // No background work during a timed window: autovacuum off and checkpoints only on demand;
      // `quiesce` runs both, untimed, between scenarios.
      settings: {
        fsync: 'off',
        synchronous_commit: 'off',
        full_page_writes: 'off',
        shared_buffers: '512MB',
        random_page_cost: '1.1',
        autovacuum: 'off',
        checkpoint_timeout: '1h',
        max_wal_size: '16GB',
      },
    }),
  );
  return {
    url: server.url,
    source: `embedded (fsync off, autovacuum off, data in ${root}${placement ? `; PostgreSQL on CPU ${placement.postgres}, Node on CPU ${placement.node}` : ''})`,
    stop: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Environment the app's option builders read for this run, with pools of `poolSize`. */
export function benchEnv(url: string, poolSize = 10): NodeJS.ProcessEnv {
  return { DATABASE_URL: url, DB_POOL_MAX: String(poolSize), DB_SLOW_QUERY_MS: '0', NODE_ENV: 'test' };
}

/** A DataSource with the app's options and a pool of `poolSize`: the plain-TypeORM contender's. */
export async function openDataSource(url: string, poolSize = 10): Promise<DataSource> {
  return new DataSource(appDataSourceOptions(benchEnv(url, poolSize))).initialize();
}

/** Migrated DataSource with the app's options: also the plain-TypeORM contender's. */
export async function migratedDataSource(url: string): Promise<DataSource> {
  const dataSource = await openDataSource(url);
  await dataSource.runMigrations();
  return dataSource;
}

/**
 * Runs untimed maintenance on one connection without the module's 30 s `statement_timeout`, which
 * is for requests, not for loading a million rows or vacuuming after them.
 */
export async function untimed(
  dataSource: DataSource,
  work: (query: (sql: string, values?: unknown[]) => Promise<unknown>) => Promise<void>,
) {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SET statement_timeout = 0');
    await work((sql, values) => runner.query(sql, values));
    await runner.query('RESET statement_timeout');
  } finally {
    await runner.release();
  }
}

/**
 * Empties the tables and loads `tasks` rows with `generate_series`, one second apart, 5 statuses;
 * the 100 newest `pending` tasks (the include scenario's first page and more) get 4 executions each,
 * one of them soft-deleted.
 */
export async function loadDataset(dataSource: DataSource, tasks: number): Promise<void> {
  await untimed(dataSource, async (query) => {
    await query('TRUNCATE tasks, task_executions, audit_logs');
    await query(
      `INSERT INTO tasks (title, description, status, priority, requirements, created_at, updated_at)
       SELECT 'task ' || i, 'generated', (ARRAY['pending','in_progress','completed','failed','cancelled'])[1 + i % 5]::task_status,
              i % 11, '{}'::jsonb, now() - i * interval '1 second', now() - i * interval '1 second'
         FROM generate_series(1, $1::int) AS i`,
      [tasks],
    );
    await query(
      `INSERT INTO task_executions (task_id, agent_type, status, logs, started_at, created_at, updated_at, deleted_at)
       SELECT t.id, 'agent-' || j, (ARRAY['queued','running','succeeded','failed'])[j]::execution_status,
              jsonb_build_array(jsonb_build_object('line', j)), t.created_at + j * interval '1 minute',
              t.created_at + j * interval '1 minute', t.created_at + j * interval '1 minute',
              CASE WHEN j = 4 THEN now() END
         FROM (SELECT id, created_at FROM tasks WHERE status = 'pending' ORDER BY created_at DESC, id DESC LIMIT 100) t,
              generate_series(1, 4) AS j`,
    );
    await query('VACUUM ANALYZE tasks, task_executions');
  });
}

/**
 * Untimed, between scenarios: vacuums and analyses the tables the scenarios wrote, then writes a
 * checkpoint, so neither autovacuum nor a checkpoint lands in someone's timed window.
 */
export async function quiesce(dataSource: DataSource): Promise<void> {
  await untimed(dataSource, async (query) => {
    await query('VACUUM ANALYZE tasks, task_executions, audit_logs');
    // Needs superuser or pg_checkpoint: on a BENCH_DATABASE_URL without either, the server's own schedule.
    await query('CHECKPOINT').catch(() => undefined);
  });
}

/** Ids of the oldest tasks first (deep pages never reach them), `count` of them. */
export async function taskIds(dataSource: DataSource, count: number): Promise<string[]> {
  const rows: Array<{ id: string }> = await dataSource.query(
    'SELECT id FROM tasks ORDER BY created_at ASC, id ASC LIMIT $1',
    [count],
  );
  return rows.map((r) => r.id);
}

/** Server version, e.g. `18.1`. */
export async function serverVersion(dataSource: DataSource): Promise<string> {
  const [row] = await dataSource.query('SHOW server_version');
  return String(row.server_version);
}
