import { BlockList, isIP } from 'node:net';
import type { ConfigProblem } from '../errors/database-config.error';
import { parseConnectionUrl } from './connection-url';
import type { TlsEnvironment } from './tls-environment';
import { LIBPQ_MEANING, tlsSettingOf } from './tls-settings';

/** What every refusal tells the operator to do. */
export const VERIFY_FULL_FIX = "set DB_SSL=verify-full and DB_SSL_CA=<path of the server's CA certificate>";

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether `host` never leaves the machine: a Unix socket directory, `localhost`, 127.0.0.0/8 or
 * ::1. Plain connections there are how sidecar proxies (PgBouncer, Cloud SQL Auth Proxy) are reached.
 */
export function isLoopbackHost(host: string): boolean {
  if (host.startsWith('/')) return true;
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const family = isIP(name);
  return family !== 0 && LOOPBACK.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

function targetHost(env: TlsEnvironment): string | undefined {
  return env.DATABASE_URL ? parseConnectionUrl(env.DATABASE_URL)?.host : env.DB_HOST;
}

/**
 * The production policy (`NODE_ENV=production`): the server's certificate chain and host name are
 * verified, or the service does not start. Refused: a URL `sslmode` other than `verify-full`
 * (`no-verify`, and the words libpq reads as unverified even though this module verifies them),
 * and no TLS at all to a host off this machine (DB_SSL=disable, `sslmode=disable`, or nothing
 * set). Plain connections to a loopback host or Unix socket stay allowed. A `DB_SSL` contradicting
 * the URL's word is refused in every environment (`tlsConflictProblems`), so no URL `sslmode`
 * other than `verify-full` or `disable` starts here, `DB_SSL` or not. There is deliberately
 * no override variable. Called by `validateDatabaseEnvironment`; never echoes a URL or a host.
 */
export function productionPolicyProblems(env: TlsEnvironment, invalid: ReadonlySet<string>): ConfigProblem[] {
  if (env.NODE_ENV !== 'production' || ['NODE_ENV', 'DATABASE_URL', 'DB_HOST', 'DB_SSL'].some((v) => invalid.has(v)))
    return [];
  const setting = tlsSettingOf(env);
  if (setting === undefined) return []; // an unknown sslmode: reported by tlsProblems
  const word = setting.urlSslMode;
  if (word !== undefined && word !== 'verify-full' && word !== 'disable') return [weakUrlSslMode(word)];
  if (setting.mode !== 'disable') return [];
  const host = targetHost(env);
  if (host === undefined || isLoopbackHost(host)) return []; // no target: reported by the other checks
  const refused = 'production (NODE_ENV=production) requires TLS to a host off this machine';
  if (setting.variable === 'DATABASE_URL') {
    const expected = `has sslmode=disable, but ${refused}; use sslmode=verify-full, or ${VERIFY_FULL_FIX}`;
    return [{ variable: 'DATABASE_URL', expected }];
  }
  const now = setting.variable === 'DB_SSL' ? 'is disable' : 'is not set (no TLS)';
  return [{ variable: 'DB_SSL', expected: `${now}, but ${refused}; ${VERIFY_FULL_FIX}` }];
}

function weakUrlSslMode(word: string): ConfigProblem {
  return {
    variable: 'DATABASE_URL',
    expected:
      `has sslmode=${word}, which libpq and most drivers read as ${LIBPQ_MEANING[word]}; production ` +
      `(NODE_ENV=production) requires sslmode=verify-full: use it, or ${VERIFY_FULL_FIX}`,
  };
}
