import { DatabaseConfigError } from '../errors/database-config.error';
import type { PoolerMode } from './pooler-mode';

/** SQLSTATE PgBouncer answers its own refusals with (`protocol_violation`). */
const PROTOCOL_VIOLATION = '08P01';
const UNSUPPORTED_PARAMETER = /unsupported startup parameter:\s*"?([A-Za-z_][A-Za-z0-9_.]*)/i;
const NO_SUCH_DATABASE = /no such database/i;

/**
 * @internal A connection refusal from a pooler that only a configuration change fixes, as a
 * {@link DatabaseConfigError} naming the setting to change; undefined for anything else (a
 * pooler's passing refusals, such as `query_wait_timeout`, share the SQLSTATE and stay transient).
 */
export function poolerConfigRefusal(error: unknown, mode: PoolerMode): DatabaseConfigError | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== PROTOCOL_VIOLATION || typeof message !== 'string') return undefined;
  const parameter = UNSUPPORTED_PARAMETER.exec(message)?.[1];
  if (parameter) {
    const timeout = parameter === 'statement_timeout' || parameter === 'idle_in_transaction_session_timeout';
    const fix =
      mode === 'none' && timeout
        ? `a pooler (PgBouncer) is in between: set DB_POOLER=transaction (or session, whichever it runs), ` +
          `which stops sending ${parameter} when connecting and checks the role's setting instead`
        : `remove it from the connection settings, or add it to PgBouncer's ignore_startup_parameters`;
    return DatabaseConfigError.invalid(
      'DB_POOLER',
      `the pooler refused the startup parameter ${parameter} (08P01 unsupported startup parameter): ${fix}`,
    );
  }
  if (NO_SUCH_DATABASE.test(message)) {
    return DatabaseConfigError.invalid(
      'DATABASE_URL',
      'names a database the pooler does not know (08P01 no such database): add it to the [databases] section ' +
        "of the pooler's configuration, or connect to one it has",
    );
  }
  return undefined;
}
