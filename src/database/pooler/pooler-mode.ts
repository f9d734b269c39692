import type { DataSourceOptions } from 'typeorm';
import { DEFAULT_POOLER_MODE } from '../database.constants';

/** What stands between the app and PostgreSQL (`DB_POOLER`). */
export const POOLER_MODES = ['none', 'session', 'transaction'] as const;

/**
 * `none`: PostgreSQL itself. `session`: a pooler that gives each client connection one server
 * connection for its whole life (PgBouncer `pool_mode = session`, Supavisor's session port).
 * `transaction`: one that hands the server connection to another client after every transaction
 * (PgBouncer `pool_mode = transaction`, Supavisor's transaction port, Heroku's pgbouncer).
 */
export type PoolerMode = (typeof POOLER_MODES)[number];

/** The session settings the module wants every connection to have, in milliseconds (0: off). */
export interface SessionTimeouts {
  /** `DB_STATEMENT_TIMEOUT_MS`. */
  statement_timeout: number;
  /** `DB_IDLE_IN_TRANSACTION_TIMEOUT_MS`. */
  idle_in_transaction_session_timeout: number;
}

/** @internal The setting names, in the order they are checked and reported. */
export const SESSION_TIMEOUT_SETTINGS = ['statement_timeout', 'idle_in_transaction_session_timeout'] as const;

/** @internal The mode in force: the option, else `DEFAULT_POOLER_MODE`. */
export function poolerModeOf(options: { pooler?: PoolerMode }): PoolerMode {
  return options.pooler ?? DEFAULT_POOLER_MODE;
}

/**
 * @internal Takes the session timeouts out of pg's startup parameters when a pooler is in between:
 * PgBouncer refuses any startup parameter it does not know (08P01 "unsupported startup parameter"),
 * or drops it when told to ignore it. The server must then apply them from the role's settings,
 * which the module verifies once connected. Returns the options to connect with and the timeouts
 * that were asked for (undefined when none were).
 */
export function withoutStartupTimeouts<T extends DataSourceOptions>(
  options: T,
  mode: PoolerMode,
): { options: T; timeouts: Partial<SessionTimeouts> } {
  const extra = { ...((options as { extra?: Record<string, unknown> }).extra ?? {}) };
  const timeouts: Partial<SessionTimeouts> = {};
  for (const setting of SESSION_TIMEOUT_SETTINGS) {
    const value = extra[setting];
    if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
      timeouts[setting] = Number(value);
    }
    if (mode !== 'none') delete extra[setting];
  }
  return { options: mode === 'none' ? options : { ...options, extra }, timeouts };
}
