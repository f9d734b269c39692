import { inspect, InspectOptions } from 'node:util';
import { sqlStateOf } from '../errors/sql-state';
import { nameList } from './migration-status';

/** Why the migration guard stopped a run. */
export type MigrationGuardReason =
  | 'edited'
  | 'missing'
  | 'out-of-order'
  | 'lock-timeout'
  | 'failed'
  | 'not-applied'
  | 'schema-drift'
  | 'no-lock-through-pooler';

/** How many statements of the fixing SQL a schema-drift refusal shows, and how much of each. */
const DRIFT_STATEMENTS_SHOWN = 3;
const DRIFT_STATEMENT_CHARS = 200;

/**
 * A migration run, revert or repair that the guard refused or that failed. `reason` says which
 * case; `migrations` names the migrations concerned. Never retried at startup: a retry cannot fix it.
 */
export class MigrationGuardError extends Error {
  override readonly name = 'MigrationGuardError';

  constructor(
    readonly reason: MigrationGuardReason,
    message: string,
    readonly migrations: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A refusal prints as its message alone (it is no crash); a failed migration keeps its stack and cause. */
  [inspect.custom](_depth: number, options: InspectOptions, inspectFn: typeof inspect = inspect): string {
    if (this.reason === 'failed') return inspectFn(this, { ...options, customInspect: false });
    return `${this.name} (${this.reason}): ${this.message}`;
  }

  /** Applied migrations whose code changed since they ran. */
  static edited(names: string[]): MigrationGuardError {
    return new MigrationGuardError(
      'edited',
      `refusing to migrate: applied migration(s) ${nameList(names)} changed since they ran (checksum mismatch). ` +
        'An applied migration is history: restore its code and change the schema with a new migration; ' +
        `if the edit is deliberate and changes nothing the database already has, accept it with ` +
        `\`npm run migration:repair -- ${names.join(' ')}\`.`,
      names,
    );
  }

  /** Applied migrations the code does not have, while the code has migrations to apply. */
  static missing(names: string[]): MigrationGuardError {
    return new MigrationGuardError(
      'missing',
      `refusing to migrate: applied migration(s) ${nameList(names)} are not in this code, yet this code has ` +
        'pending migrations. The database was migrated by other code (another branch or a newer release): ' +
        'deploy code that contains them, or revert them with that code first.',
      names,
    );
  }

  /** Pending migrations older than the newest applied one. */
  static outOfOrder(names: string[], newestApplied: string): MigrationGuardError {
    return new MigrationGuardError(
      'out-of-order',
      `refusing to migrate: pending migration(s) ${nameList(names)} are older than the newest applied one ` +
        `(${newestApplied}). Give them a newer timestamp (rename file and class), ` +
        'or set DB_MIGRATIONS_ALLOW_OUT_OF_ORDER=true to apply them anyway.',
      names,
    );
  }

  /** Another run held the migration lock for longer than this one would wait. */
  static lockTimeout(waitedMs: number, holder: string): MigrationGuardError {
    return new MigrationGuardError(
      'lock-timeout',
      `gave up waiting for the migration lock after ${waitedMs} ms: ${holder}. Another migration run is in ` +
        'progress: let it finish (then nothing is left to do), or raise DB_MIGRATIONS_LOCK_TIMEOUT_MS.',
    );
  }

  /**
   * Behind a transaction pooler (`DB_POOLER=transaction`) with no direct connection for migrations:
   * the session advisory lock would be taken on one server connection and the migrations run on
   * others, so concurrent runs would not exclude each other.
   */
  static noLockThroughPooler(): MigrationGuardError {
    return new MigrationGuardError(
      'no-lock-through-pooler',
      'refusing to migrate through a transaction pooler (DB_POOLER=transaction): the migration lock is a ' +
        'session advisory lock, which the pooler does not keep between transactions, so concurrent runs would not ' +
        'exclude each other. Set DB_MIGRATIONS_URL to a direct connection to PostgreSQL (or to a session-mode ' +
        'pool): migrations then take the lock and run there, and the app keeps using the pooler.',
    );
  }

  /** `migration:repair` was given names that are not applied migrations of this code. */
  static notRepairable(names: string[]): MigrationGuardError {
    return new MigrationGuardError(
      'not-applied',
      `cannot repair ${nameList(names)}: only applied migrations that are in this code can be repaired ` +
        '(`npm run migration:show` lists them).',
      names,
    );
  }

  /**
   * The entities differ from the database schema and `DB_FAIL_ON_SCHEMA_DRIFT=true`: the start is
   * refused, with the start of the SQL that would make the schema match (the first statements,
   * each cut at 200 characters).
   */
  static schemaDrift(sql: string[]): MigrationGuardError {
    const cut = (s: string) => (s.length > DRIFT_STATEMENT_CHARS ? `${s.slice(0, DRIFT_STATEMENT_CHARS)}…` : s);
    const shown = sql.slice(0, DRIFT_STATEMENTS_SHOWN).map((s) => `${cut(s)};`);
    const more = sql.length > shown.length ? ` … and ${sql.length - shown.length} more statement(s).` : '';
    return new MigrationGuardError(
      'schema-drift',
      'refusing to serve: the entities differ from the database schema (DB_FAIL_ON_SCHEMA_DRIFT=true). This SQL ' +
        `would make the schema match them: ${shown.join(' ')}${more} Add a migration with it ` +
        '(npx typeorm migration:generate -d <your data-source file> <path/Name>) and apply it, or unset DB_FAIL_ON_SCHEMA_DRIFT to serve anyway.',
    );
  }

  /** A migration's `up` or `down` threw. */
  static failed(
    name: string,
    direction: 'up' | 'down',
    durationMs: number,
    cause: unknown,
    details: { transactional: boolean; hint?: string },
  ): MigrationGuardError {
    const state = sqlStateOf(cause);
    const what = `${cause instanceof Error ? cause.message : String(cause)}${state ? ` (SQLSTATE ${state})` : ''}`;
    const undo = details.transactional
      ? 'it was rolled back'
      : 'it ran without a transaction, so statements before the failure stay applied: check them before running again';
    return new MigrationGuardError(
      'failed',
      `migration ${name} failed (${direction}) after ${durationMs} ms: ${what}; ${undo}.${details.hint ? ` ${details.hint}` : ''}`,
      [name],
      { cause },
    );
  }
}
