import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { findFreePort } from '../../../src/database/embedded/free-port';
import { pgbouncerBin } from './system-binaries';
import {
  ServerProcess,
  WaitAborted,
  giveToServerUser,
  logTail,
  lostPortRace,
  makeServerTempDir,
  removeDir,
  spawnServer,
  waitUntil,
} from './system-process';

/** Where a PgBouncer sends its connections. */
export interface PgBouncerBackend {
  host: string;
  port: number;
}

/** Options of {@link startPgBouncer}. */
export interface PgBouncerOptions {
  backend: PgBouncerBackend;
  /** `transaction` by default. */
  poolMode?: 'transaction' | 'session';
  defaultPoolSize?: number;
  maxClientConn?: number;
  /** Startup parameters PgBouncer accepts and drops (`extra_float_digits`, `options` ...). */
  ignoreStartupParameters?: string[];
  /** Extra `[pgbouncer]` settings, written verbatim. */
  settings?: Record<string, string>;
}

/** A PgBouncer 1.x in its own temp dir, run as the `postgres` OS user, with databases `app` and `postgres`. */
export interface PgBouncer {
  port: number;
  /** `postgres://app:app@127.0.0.1:<port>/app` by default; `postgres`/`postgres` is its admin user. */
  url(user?: 'app' | 'postgres', database?: string): string;
  /** Points both databases at `backend` (rewrites the ini and RELOADs through the admin console). */
  retarget(backend: PgBouncerBackend): Promise<void>;
  /** Runs an admin console command (`SHOW POOLS`, `RELOAD`, `PAUSE`, `RESUME` ...) on database `pgbouncer`. */
  admin<R>(command: string): Promise<R[]>;
  /** Shuts it down (SIGTERM) and removes its temp dir. */
  stop(): Promise<void>;
}

/** Starts PgBouncer on a free port on 127.0.0.1 in front of `backend` (users `app`/`app` and `postgres`/`postgres`). */
export async function startPgBouncer(opts: PgBouncerOptions): Promise<PgBouncer> {
  const root = makeServerTempDir('nest-pg-pgbouncer-');
  const iniPath = join(root, 'pgbouncer.ini');
  const logPath = join(root, 'pgbouncer.log');
  const authFile = join(root, 'userlist.txt');
  writeFileSync(authFile, '"app" "app"\n"postgres" "postgres"\n');
  giveToServerUser(authFile);
  let port = 0;
  const writeIni = (backend: PgBouncerBackend) => {
    const target = `host=${backend.host} port=${backend.port}`;
    const settings: Record<string, string> = {
      listen_addr: '127.0.0.1',
      listen_port: String(port),
      unix_socket_dir: root,
      auth_type: 'scram-sha-256',
      auth_file: authFile,
      admin_users: 'postgres',
      pool_mode: opts.poolMode ?? 'transaction',
      ...(opts.defaultPoolSize !== undefined && { default_pool_size: String(opts.defaultPoolSize) }),
      ...(opts.maxClientConn !== undefined && { max_client_conn: String(opts.maxClientConn) }),
      ...(opts.ignoreStartupParameters?.length && {
        ignore_startup_parameters: opts.ignoreStartupParameters.join(','),
      }),
      ...opts.settings,
    };
    writeFileSync(
      iniPath,
      [
        '[databases]',
        `app = ${target} dbname=app`,
        `postgres = ${target} dbname=postgres`,
        '[pgbouncer]',
        ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
        '',
      ].join('\n'),
    );
    giveToServerUser(iniPath);
  };

  const admin = async <R>(command: string): Promise<R[]> => {
    const client = new Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: 'postgres',
      database: 'pgbouncer',
      connectionTimeoutMillis: 5_000,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(command)).rows as R[];
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  let server: ServerProcess | undefined;
  for (let attempt = 1; !server; attempt++) {
    port = await findFreePort();
    writeIni(opts.backend);
    const current = spawnServer(pgbouncerBin(), [iniPath], logPath, root, 'TERM');
    let exited = false;
    void current.exited.then(() => (exited = true));
    try {
      await waitUntil(`pgbouncer on port ${port}`, async () => {
        // PgBouncer keeps running on its unix socket when the TCP port is taken.
        if (exited || lostPortRace(logPath)) throw new WaitAborted('pgbouncer exited or lost its port');
        // Its own socket directory proves it is this PgBouncer, not another that took the port meanwhile.
        const config = await admin<{ key: string; value: string }>('SHOW CONFIG');
        return config.some((row) => row.key === 'unix_socket_dir' && row.value === root);
      });
      server = current;
    } catch (error) {
      await current.stop('SIGTERM');
      if (attempt < 3 && lostPortRace(logPath)) {
        writeFileSync(logPath, '');
        continue;
      }
      const message = `${(error as Error).message}\n${logTail(logPath)}`;
      removeDir(root);
      throw new Error(message, { cause: error });
    }
  }
  const running = server;

  return {
    port,
    url: (user = 'app', database = 'app') => `postgres://${user}:${user}@127.0.0.1:${port}/${database}`,
    admin,
    retarget: async (backend) => {
      writeIni(backend);
      await admin('RELOAD');
    },
    stop: async () => {
      await running.stop('SIGTERM');
      removeDir(root);
    },
  };
}
