import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { findFreePort } from '../../../src/database/embedded/free-port';
import { postgresBin } from './system-binaries';
import {
  ServerProcess,
  giveToServerUser,
  WaitAborted,
  logTail,
  lostPortRace,
  makeServerTempDir,
  removeDir,
  runAsServerUser,
  spawnServer,
  waitUntil,
} from './system-process';

const SUPERUSER_PASSWORD = 'postgres';
const NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** A PostgreSQL 15 server (Debian's binaries) in its own temp dir, run as the `postgres` OS user. */
export interface PgNode {
  host: '127.0.0.1';
  port: number;
  dataDir: string;
  /** `primary` for a primary, the standby's `application_name` for a standby. */
  name: string;
  /** `postgres://app:app@127.0.0.1:<port>/app` by default; user `postgres` has password `postgres`. */
  url(user?: 'app' | 'postgres', database?: string): string;
  /** Runs one statement as superuser on a fresh short connection (database `postgres`). */
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Stops the server (`fast` = SIGINT, `immediate` = SIGQUIT) and waits for its exit. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl promote`, then waits until `pg_is_in_recovery()` is false. */
  promote(): Promise<void>;
  /** Standby: waits until `pg_last_wal_replay_lsn() >= lsn` (default: the primary's current WAL LSN). */
  waitForReplay(lsn?: string): Promise<void>;
  /** Standby: pauses WAL replay and waits until it is paused. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Stops immediately and removes the temp dir. */
  destroy(): Promise<void>;
}

/** Options of {@link startPrimary}. */
export interface PrimaryOptions {
  /** `synchronous_standby_names` from the start (standbys started with `synchronous: true` set it themselves). */
  synchronousStandbyNames?: string;
  /** Extra `postgresql.conf` settings, written verbatim (`{ max_connections: '50' }`). */
  settings?: Record<string, string>;
}

/** Options of {@link startStandby}. */
export interface StandbyOptions {
  /** The standby's `application_name` (lower-case identifier). */
  name: string;
  /**
   * Adds it to the primary's `synchronous_standby_names` (`FIRST n (...)` with several) and waits until it
   * is `sync`. Commits on the primary then wait for it, also once it is stopped or destroyed.
   */
  synchronous?: boolean;
}

function conf(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key} = '${value.replace(/'/g, "''")}'\n`)
    .join('');
}

async function superuserQuery<R>(port: number, sql: string, params?: unknown[], database = 'postgres'): Promise<R[]> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: SUPERUSER_PASSWORD,
    database,
    connectionTimeoutMillis: 5_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface NodeState {
  root: string;
  port: number;
  name: string;
  primary?: PgNode;
  /** Names of the synchronous standbys this primary waits for. */
  syncNames: string[];
}

function makeNode(state: NodeState): PgNode {
  const dataDir = join(state.root, 'data');
  const logPath = join(state.root, 'postgres.log');
  const binDir = dirname(postgresBin('pg_basebackup'));
  let server: ServerProcess | undefined;
  const query = <R>(sql: string, params?: unknown[]) => superuserQuery<R>(state.port, sql, params);

  const start = async () => {
    if (server) return;
    const current = spawnServer(join(binDir, 'postgres'), ['-D', dataDir], logPath, state.root, 'QUIT');
    server = current;
    let exited = false;
    void current.exited.then(() => {
      exited = true;
      if (server === current) server = undefined;
    });
    await waitUntil(`${state.name} on port ${state.port} to accept connections`, async () => {
      if (exited) throw new WaitAborted(`postgres ${state.name} exited`);
      // The data directory proves it is this server, not another that took the port meanwhile.
      const [row] = await query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
      return row.dir === dataDir;
    }).catch(async (error: Error) => {
      const message = `${error.message}\n${logTail(logPath)}`;
      await current.stop('SIGQUIT');
      if (server === current) server = undefined;
      throw new Error(message, { cause: error });
    });
  };

  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    const current = server;
    server = undefined;
    await current?.stop(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
  };

  const node: PgNode = {
    host: '127.0.0.1',
    port: state.port,
    dataDir,
    name: state.name,
    url: (user = 'app', database = 'app') => `postgres://${user}:${user}@127.0.0.1:${state.port}/${database}`,
    query,
    stop,
    start,
    promote: async () => {
      await runAsServerUser(join(binDir, 'pg_ctl'), ['promote', '-w', '-D', dataDir]);
      await waitUntil(`${state.name} to leave recovery`, async () => {
        const [row] = await query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        return !row.r;
      });
      state.primary = undefined;
    },
    waitForReplay: async (lsn) => {
      let target = lsn;
      if (!target) {
        if (!state.primary) throw new Error(`${state.name} is not a standby: pass the LSN to wait for`);
        [{ lsn: target }] = await state.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      }
      await waitUntil(`${state.name} to replay up to ${target}`, async () => {
        const [row] = await query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [target]);
        return row.ok;
      });
    },
    pauseReplay: async () => {
      await query('SELECT pg_wal_replay_pause()');
      await waitUntil(`${state.name} to pause replay`, async () => {
        const [row] = await query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s');
        return row.s === 'paused';
      });
    },
    resumeReplay: async () => {
      await query('SELECT pg_wal_replay_resume()');
    },
    destroy: async () => {
      await stop('immediate');
      removeDir(state.root);
    },
  };
  nodeStates.set(node, state);
  return node;
}

const nodeStates = new WeakMap<PgNode, NodeState>();

const nodesByRoot = new Map<string, PgNode>();

/** Runs `init`; if it fails, stops what it started and removes `root`. */
async function removedOnFailure(root: string, init: () => Promise<PgNode>): Promise<PgNode> {
  try {
    return await init();
  } catch (error) {
    await nodesByRoot.get(root)?.destroy();
    removeDir(root);
    throw error;
  } finally {
    nodesByRoot.delete(root);
  }
}

/** Picks a free port and starts; picks again if another process took the port before the bind. */
async function startOnFreePort(root: string, state: (port: number) => NodeState): Promise<PgNode> {
  const logPath = join(root, 'postgres.log');
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    appendFileSync(join(root, 'data', 'postgresql.conf'), conf({ port: String(port) }));
    const node = makeNode(state(port));
    nodesByRoot.set(root, node);
    try {
      await node.start();
      return node;
    } catch (error) {
      if (attempt === 3 || !lostPortRace(logPath)) throw error;
      writeFileSync(logPath, '');
    }
  }
}

/**
 * Starts a primary: initdb (superuser `postgres`/`postgres`, scram on TCP 127.0.0.1, replication allowed),
 * `wal_level=replica`, `fsync=off`, a free port, the unix socket in its temp dir; database `app` owned by
 * the non-superuser login role `app` (password `app`) with CREATE on schema public.
 */
export async function startPrimary(opts: PrimaryOptions = {}): Promise<PgNode> {
  const root = makeServerTempDir('nest-pg-primary-');
  return removedOnFailure(root, () => initPrimary(root, opts));
}

async function initPrimary(root: string, opts: PrimaryOptions): Promise<PgNode> {
  const dataDir = join(root, 'data');
  const pwfile = join(root, 'pwfile');
  writeFileSync(pwfile, `${SUPERUSER_PASSWORD}\n`);
  giveToServerUser(pwfile);
  await runAsServerUser(postgresBin('initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
    '--no-instructions',
  ]);
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    conf({
      listen_addresses: '127.0.0.1',
      unix_socket_directories: root,
      wal_level: 'replica',
      max_wal_senders: '10',
      max_replication_slots: '10',
      hot_standby: 'on',
      fsync: 'off',
      full_page_writes: 'off',
      shared_buffers: '32MB',
      wal_sender_timeout: '10s',
      wal_receiver_status_interval: '1s',
      ...(opts.synchronousStandbyNames !== undefined && { synchronous_standby_names: opts.synchronousStandbyNames }),
      ...opts.settings,
    }),
  );
  const node = await startOnFreePort(root, (port) => ({ root, port, name: 'primary', syncNames: [] }));
  await node.query("CREATE ROLE app LOGIN PASSWORD 'app'");
  await node.query('CREATE DATABASE app OWNER app');
  await superuserQuery(node.port, 'GRANT CREATE ON SCHEMA public TO app', [], 'app');
  return node;
}

/**
 * Starts a streaming standby of `primary` (pg_basebackup -R -X stream, `application_name=<name>`);
 * resolves once it streams, and when `synchronous` once the primary reports it `sync`.
 */
export async function startStandby(primary: PgNode, opts: StandbyOptions): Promise<PgNode> {
  if (!NAME_PATTERN.test(opts.name)) throw new Error(`standby name must match ${NAME_PATTERN}: ${opts.name}`);
  const primaryState = nodeStates.get(primary);
  if (!primaryState) throw new Error('startStandby needs a PgNode from startPrimary');
  const root = makeServerTempDir(`nest-pg-${opts.name}-`);
  return removedOnFailure(root, () => initStandby(root, primary, primaryState, opts));
}

async function initStandby(root: string, primary: PgNode, primaryState: NodeState, opts: StandbyOptions) {
  const dataDir = join(root, 'data');
  const conninfo = `host=127.0.0.1 port=${primary.port} user=postgres password=${SUPERUSER_PASSWORD} application_name=${opts.name}`;
  await runAsServerUser(postgresBin('pg_basebackup'), [
    '-D',
    dataDir,
    '-d',
    conninfo,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
    '--no-sync',
  ]);
  appendFileSync(join(dataDir, 'postgresql.conf'), conf({ unix_socket_directories: root }));
  // The copied auto.conf carries the primary's ALTER SYSTEM settings: a promoted standby must not wait for a sync standby.
  const autoConf = join(dataDir, 'postgresql.auto.conf');
  const kept = readFileSync(autoConf, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(synchronous_standby_names|primary_conninfo)\s*=/.test(line))
    .join('\n');
  writeFileSync(autoConf, `${kept.trimEnd()}\n${conf({ primary_conninfo: conninfo, synchronous_standby_names: '' })}`);
  giveToServerUser(autoConf);
  const node = await startOnFreePort(root, (port) => ({ root, port, name: opts.name, primary, syncNames: [] }));
  if (opts.synchronous) {
    primaryState.syncNames.push(opts.name);
    const names = primaryState.syncNames.map((name) => `"${name}"`).join(', ');
    const value = primaryState.syncNames.length === 1 ? names : `FIRST ${primaryState.syncNames.length} (${names})`;
    await primary.query(`ALTER SYSTEM SET synchronous_standby_names = '${value}'`);
    await primary.query('SELECT pg_reload_conf()');
  }
  const wanted = opts.synchronous ? 'sync' : undefined;
  await waitUntil(`${opts.name} to stream from the primary${wanted ? ' as sync' : ''}`, async () => {
    const rows = await primary.query<{ state: string; sync_state: string }>(
      'SELECT state, sync_state FROM pg_stat_replication WHERE application_name = $1',
      [opts.name],
    );
    return rows.some((row) => row.state === 'streaming' && (!wanted || row.sync_state === wanted));
  });
  return node;
}
