import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';
import { MigrationGuardError } from './migration-guard.error';

/** The session holding the migration lock, as `pg_locks` and `pg_stat_activity` describe it. */
export interface MigrationLockHolder {
  pid: number;
  applicationName: string | null;
  clientAddress: string | null;
  /** When the holder's connection started (a run locks right after it connects). */
  connectedAt: Date | null;
  state: string | null;
  stateSince: Date | null;
}

/** Settings of {@link withMigrationLock}. */
export interface MigrationLockOptions {
  /** How long to wait for another holder; 0 fails at once. */
  timeoutMs: number;
  logger: Pick<LoggerService, 'log' | 'warn'>;
  /** Opens the session the lock is held on. Default: a connection of the DataSource's pool. */
  openSession?: () => Promise<QueryRunner>;
}

const POLL_MIN_MS = 200;
const POLL_JITTER_MS = 300;
const REPORT_EVERY_MS = 10_000;
// A dead client is noticed within this even while its backend runs a long statement (PostgreSQL 14+),
// so a `kill -9`ed holder's lock and transaction go away promptly.
const DEAD_CLIENT_CHECK_MS = '1000';

/**
 * The advisory-lock key of a migrations table: the first 8 bytes of a sha256 of its qualified
 * name. Advisory locks are per database, so one key per (database, migrations table).
 */
export function migrationLockKey(migrationsTable: string): bigint {
  return createHash('sha256').update(`nest-pg-database:migrations:${migrationsTable}`).digest().readBigInt64BE(0);
}

/** Who holds the lock `key` in the current database; undefined once nobody does. */
export async function findMigrationLockHolder(
  runner: QueryRunner,
  key: bigint,
): Promise<MigrationLockHolder | undefined> {
  // A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
  const unsigned = BigInt.asUintN(64, key);
  const rows = await runner.query(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_address, a.backend_start, a.state, a.state_change
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid`,
    [String(unsigned >> 32n), String(unsigned & 0xffffffffn)],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    pid: row.pid,
    applicationName: row.application_name || null,
    clientAddress: row.client_address ?? null,
    connectedAt: row.backend_start ?? null,
    state: row.state ?? null,
    stateSince: row.state_change ?? null,
  };
}

/** `pid 42 (application "api", client 10.0.0.7, connected since …, active since …)`. */
export function describeMigrationLockHolder(holder: MigrationLockHolder | undefined): string {
  if (!holder) return 'held by a session that has just let go';
  const parts = [
    `application ${JSON.stringify(holder.applicationName ?? 'unknown')}`,
    holder.clientAddress ? `client ${holder.clientAddress}` : 'local client',
    holder.connectedAt ? `connected since ${holder.connectedAt.toISOString()}` : undefined,
    holder.state && holder.stateSince ? `${holder.state} since ${holder.stateSince.toISOString()}` : undefined,
  ];
  return `held by pid ${holder.pid} (${parts.filter(Boolean).join(', ')})`;
}

async function tryLock(runner: QueryRunner, key: bigint): Promise<boolean> {
  const [row] = await runner.query(`SELECT pg_try_advisory_lock($1::bigint) AS locked`, [String(key)]);
  return row.locked === true;
}

async function waitForLock(runner: QueryRunner, key: bigint, options: MigrationLockOptions): Promise<void> {
  const started = Date.now();
  let reported = -Infinity;
  while (!(await tryLock(runner, key))) {
    const waited = Date.now() - started;
    const holder = await findMigrationLockHolder(runner, key);
    if (waited >= options.timeoutMs) {
      throw MigrationGuardError.lockTimeout(waited, describeMigrationLockHolder(holder));
    }
    if (holder && waited - reported >= REPORT_EVERY_MS) {
      const wait = reported < 0 ? `waiting up to ${options.timeoutMs} ms` : `still waiting after ${waited} ms`;
      options.logger.warn(`${wait} for the migration lock (key ${key}), ${describeMigrationLockHolder(holder)}`);
      reported = waited;
    }
    const pause = Math.min(POLL_MIN_MS + Math.random() * POLL_JITTER_MS, options.timeoutMs - waited);
    await new Promise((resolve) => setTimeout(resolve, Math.max(pause, 0)));
  }
  const waited = Date.now() - started;
  if (reported > -Infinity) options.logger.log(`acquired the migration lock after waiting ${waited} ms`);
}

async function closeSession(runner: QueryRunner, key: bigint): Promise<void> {
  const connection = (runner as QueryRunner & { databaseConnection?: { end(): Promise<void> } }).databaseConnection;
  try {
    await runner.query(`SELECT pg_advisory_unlock($1::bigint)`, [String(key)]);
  } catch {
    // The connection is gone, and the lock with it; ending it below is all that is left.
  }
  // Ended, never returned to the pool: no session setting or lock can leak to the next user.
  await connection?.end().catch(() => undefined);
  await runner.release();
}

/**
 * Runs `fn` on a dedicated session that holds the migration lock of `migrationsTable` for the
 * whole call: a session-level advisory lock, so a holder that dies (`kill -9`) releases it with
 * its connection. Waits at most `timeoutMs` for another holder, saying who it is.
 */
export async function withMigrationLock<T>(
  dataSource: DataSource,
  migrationsTable: string,
  options: MigrationLockOptions,
  fn: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  const key = migrationLockKey(migrationsTable);
  const runner = options.openSession ? await options.openSession() : dataSource.createQueryRunner('master');
  await runner.connect();
  try {
    await runner
      .query(`SELECT set_config(name, $1, false) FROM pg_settings WHERE name = 'client_connection_check_interval'`, [
        DEAD_CLIENT_CHECK_MS,
      ])
      .catch(() => undefined); // a platform without it: the lock still goes with the connection
    await waitForLock(runner, key, options);
    return await fn(runner);
  } finally {
    await closeSession(runner, key);
  }
}
