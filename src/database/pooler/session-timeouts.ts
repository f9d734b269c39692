import type { DataSource } from 'typeorm';
import { ConfigProblem, DatabaseConfigError } from '../errors/database-config.error';
import { quoteIdentifier } from '../sql/quote-identifier';
import { PoolerMode, SESSION_TIMEOUT_SETTINGS, SessionTimeouts } from './pooler-mode';

/** The variable that configures each setting, named in the problems. */
const VARIABLES: Record<keyof SessionTimeouts, string> = {
  statement_timeout: 'DB_STATEMENT_TIMEOUT_MS',
  idle_in_transaction_session_timeout: 'DB_IDLE_IN_TRANSACTION_TIMEOUT_MS',
};

/** What one session has, as the server reports it: the role and each setting in milliseconds. */
export interface SessionSettings {
  role: string;
  settings: Partial<SessionTimeouts>;
}

// pg_settings.setting is in the setting's own unit: milliseconds for both timeouts.
const READ_SETTINGS = `SELECT current_user AS role, name, setting FROM pg_settings WHERE name = ANY($1)`;

/** @internal Reads the session timeouts of one pooled connection (one statement, at startup only). */
export async function readSessionSettings(dataSource: DataSource): Promise<SessionSettings> {
  const rows: Array<{ role: string; name: keyof SessionTimeouts; setting: string }> = await dataSource.query(
    READ_SETTINGS,
    [[...SESSION_TIMEOUT_SETTINGS]],
  );
  const settings: Partial<SessionTimeouts> = {};
  for (const row of rows) settings[row.name] = Number(row.setting);
  return { role: rows[0]?.role ?? 'current_user', settings };
}

/** `ALTER ROLE "app" SET statement_timeout = '1000ms'`: the fix, ready to paste. */
export function alterRoleStatement(role: string, setting: keyof SessionTimeouts, ms: number): string {
  return `ALTER ROLE ${quoteIdentifier(role)} SET ${setting} = '${Math.floor(ms)}ms'`;
}

/**
 * @internal The timeouts the server does not apply as configured. Behind a pooler (`session`,
 * `transaction`) they cannot be sent when connecting, so the role's settings must equal them; with
 * no pooler they were sent, so a session without them means something in between dropped them
 * (a pooler with `ignore_startup_parameters`). A 0 is not sent at all, so with no pooler it is not checked.
 */
export function sessionTimeoutProblems(
  mode: PoolerMode,
  wanted: Partial<SessionTimeouts>,
  found: SessionSettings,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const setting of SESSION_TIMEOUT_SETTINGS) {
    const want = wanted[setting];
    const has = found.settings[setting];
    if (want === undefined || has === undefined || want === has) continue;
    if (mode === 'none' && want === 0) continue;
    const fix = alterRoleStatement(found.role, setting, want);
    const expected =
      mode === 'none'
        ? `is ${want} ms and was sent when connecting, but the session has ${setting} = ${has} ms: something in ` +
          'between drops startup parameters (a pooler such as PgBouncer with ignore_startup_parameters). Set ' +
          `DB_POOLER=transaction (or session, whichever the pooler runs) and give the role the setting: ${fix}`
        : `is ${want} ms, but sessions through the pooler (DB_POOLER=${mode}) have ${setting} = ${has} ms. A pooler ` +
          `cannot pass it when connecting, so it must be the role's setting: run ${fix}, then have the pooler ` +
          "open new server connections (PgBouncer's admin console: RECONNECT); or set " +
          `${VARIABLES[setting]}=${has} to accept the server's value`;
    problems.push({ variable: VARIABLES[setting], expected });
  }
  return problems;
}

/**
 * Throws {@link DatabaseConfigError} when a connection from the pool does not have the session
 * timeouts the configuration asks for, naming each setting and the `ALTER ROLE` that fixes it.
 * One statement at startup: nothing is added to any later statement.
 */
export async function verifySessionTimeouts(
  dataSource: DataSource,
  mode: PoolerMode,
  wanted: Partial<SessionTimeouts>,
): Promise<void> {
  if (Object.keys(wanted).length === 0) return;
  const problems = sessionTimeoutProblems(mode, wanted, await readSessionSettings(dataSource));
  if (problems.length > 0) throw new DatabaseConfigError(problems);
}
