import { serverSqlState } from '../errors/sql-state';

/** Why the database could not be reached or answered, in words an operator can act on. */
export interface ConnectionFailure {
  /** The cause in words (`authentication failed`); never a password, a host or a connection string. */
  cause: string;
  /** The SQLSTATE or Node error code, when there is one. */
  code?: string;
}

const BY_SQLSTATE: Record<string, string> = {
  '28P01': 'authentication failed (wrong password)',
  '28000': 'authentication rejected (unknown role or no pg_hba.conf entry)',
  '3D000': 'database does not exist',
  '53300': 'too many connections (the server has no free connection slot)',
  '57P01': 'the server closed the connection (administrator command or shutdown)',
  '57P02': 'the server closed the connection (crash recovery)',
  '57P03': 'the server is starting up or shutting down',
  '42501': 'permission denied',
  '42P01': 'a table the check reads does not exist',
  '55P03': 'a table the check reads is locked by another session',
};

const BY_SQLSTATE_CLASS: Record<string, string> = {
  '08': 'connection failure',
  '53': 'the server is out of resources',
  '58': 'the server reported a system error',
  XX: 'the server reported an internal error',
};

const BY_NODE_CODE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (no server listening)',
  ECONNRESET: 'connection lost',
  EPIPE: 'connection lost',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (name resolution failed)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Codes of certificate checks (Node's `tls`): the server's certificate was not trusted. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_(GET|VERIFY)_)/;

function nodeCode(error: unknown): string | undefined {
  // Node's happy-eyeballs connect rejects with an AggregateError whose parts carry the codes.
  const candidates = [error, ...((error as { errors?: unknown[] } | null)?.errors ?? [])];
  for (const e of candidates) {
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Whether `error` is a TLS failure (certificate not trusted, wrong host name, no TLS on the server): configuration, not load. */
export function isTlsFailure(error: unknown): boolean {
  const code = nodeCode(error);
  return (code !== undefined && TLS_CODE.test(code)) || /does not support SSL/i.test(messageOf(error));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The timeout cause, worded the same wherever a check is cut short. */
export function timeoutCause(timeoutMs: number, what = 'the server did not answer'): string {
  return `timeout after ${timeoutMs} ms (${what})`;
}

/**
 * Maps a connection or query error to its cause in words: SQLSTATEs (28P01, 3D000, 53300, …),
 * Node socket codes (ECONNREFUSED, …), TLS and pg's own connection messages. The error's own
 * message is never copied: it may name a host or a user that a public endpoint should not show.
 */
export function describeConnectionFailure(error: unknown, timeoutMs: number): ConnectionFailure {
  const code = nodeCode(error);
  if (code && BY_NODE_CODE[code]) return { cause: BY_NODE_CODE[code], code };
  const sqlState = serverSqlState(error);
  if (sqlState === '57014') return { cause: timeoutCause(timeoutMs, 'cancelled by the server'), code: sqlState };
  if (sqlState) {
    const cause = BY_SQLSTATE[sqlState] ?? BY_SQLSTATE_CLASS[sqlState.slice(0, 2)] ?? 'the server reported an error';
    return { cause, code: sqlState };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return { cause: 'TLS failed: the server certificate does not name the host connected to', code };
  if (code && TLS_CODE.test(code)) return { cause: 'TLS failed: the server certificate was not trusted', code };
  const message = messageOf(error);
  // pg's own connect timeout: `timeout expired` (Client), `… due to connection timeout` (Pool).
  if (/timeout expired|connection timeout/i.test(message))
    return { cause: timeoutCause(timeoutMs, 'connecting'), code };
  if (/does not support SSL/i.test(message)) return { cause: 'TLS failed: the server does not support TLS', code };
  if (/terminated|ended|not queryable|closed/i.test(message)) return { cause: 'connection lost', code };
  return { cause: 'unexpected error', code };
}
