import type { ConfigProblem } from '../errors/database-config.error';
import { parseConnectionUrl } from './connection-url';
import type { SslMode, TlsEnvironment } from './tls-environment';

/** What the module does with a connection: no TLS, TLS fully verified, or TLS unverified (URL `no-verify` only). */
export type TlsMode = SslMode | 'no-verify';

/**
 * URL `sslmode` words (libpq's and pg's) → the module's mode. Stricter when in doubt, as pg 8 does:
 * `allow`, `prefer`, `require` and `verify-ca` verify the chain and the host name here, although
 * libpq reads them as weaker (see {@link LIBPQ_MEANING}).
 */
export const URL_SSL_MODES: Readonly<Record<string, TlsMode>> = {
  disable: 'disable',
  allow: 'verify-full',
  prefer: 'verify-full',
  require: 'verify-full',
  'verify-ca': 'verify-full',
  'verify-full': 'verify-full',
  'no-verify': 'no-verify',
};

/** What libpq (psql, Flyway's and Prisma's drivers alike) does with each `sslmode` word. */
export const LIBPQ_MEANING: Readonly<Record<string, string>> = {
  disable: 'no TLS at all',
  allow: 'TLS only if the server insists, with no certificate check',
  prefer: 'TLS if the server offers it, with no certificate check',
  require: 'TLS with no certificate check',
  'verify-ca': 'TLS with the chain checked but not the host name',
  'verify-full': 'TLS with the chain and the host name checked',
  'no-verify': 'TLS with no certificate check (a pg word)',
};

/** URL parameters libpq reads for TLS that this module does not; each with what to do instead. */
const UNREAD_URL_PARAMETERS: Readonly<Record<string, string>> = {
  sslrootcert: 'put the CA certificate in DB_SSL_CA (with DB_SSL=verify-full) instead of sslrootcert',
  sslcert: 'client certificates (sslcert, sslkey) are not supported; remove sslcert',
  sslkey: 'client certificates (sslcert, sslkey) are not supported; remove sslkey',
  sslpassword: 'client certificates (sslcert, sslkey, sslpassword) are not supported; remove sslpassword',
  sslcrl: 'certificate revocation lists are not supported; remove sslcrl',
};

/** The TLS mode in force and which variable set it. */
export interface TlsSetting {
  mode: TlsMode;
  /** The variable that chose the mode; undefined when neither did (the default: no TLS). */
  variable?: 'DB_SSL' | 'DATABASE_URL';
  /** The URL's `sslmode` word as written, when the mode came from it. */
  urlSslMode?: string;
}

function urlOf(env: TlsEnvironment) {
  return env.DATABASE_URL ? parseConnectionUrl(env.DATABASE_URL) : undefined;
}

/**
 * The TLS mode of `env`: `DB_SSL` when set, else the URL's `sslmode`, else `disable`. (When both
 * are set they must agree: {@link tlsConflictProblems}.) Undefined for an unknown `sslmode` word
 * (a validation problem of its own).
 */
export function tlsSettingOf(env: TlsEnvironment): TlsSetting | undefined {
  if (env.DB_SSL) return { mode: env.DB_SSL, variable: 'DB_SSL' };
  const urlSslMode = urlOf(env)?.sslmode;
  if (urlSslMode === undefined) return { mode: 'disable' };
  const mode = URL_SSL_MODES[urlSslMode];
  return mode ? { mode, variable: 'DATABASE_URL', urlSslMode } : undefined;
}

/**
 * `DB_SSL` and the URL's `sslmode` both set and saying different things (`DB_SSL=verify-full` with
 * `sslmode=require`, `DB_SSL=disable` with `sslmode=verify-full`, …): refused in every environment,
 * naming both, since one of them is a mistake and the URL read by another tool (psql, a
 * migration runner) would get the other. Agreeing words (`verify-full`/`verify-full`,
 * `disable`/`disable`) are accepted. Echoes the `sslmode` word only (a known one), never the URL.
 */
export function tlsConflictProblems(env: TlsEnvironment, invalid: ReadonlySet<string>): ConfigProblem[] {
  if (!env.DB_SSL || !env.DATABASE_URL || invalid.has('DB_SSL') || invalid.has('DATABASE_URL')) return [];
  const word = urlOf(env)?.sslmode;
  if (word === undefined || !URL_SSL_MODES[word] || word === env.DB_SSL) return [];
  return [
    {
      variable: 'DB_SSL',
      expected:
        `is ${env.DB_SSL}, but DATABASE_URL has sslmode=${word}, meaning ${LIBPQ_MEANING[word]}; the two disagree: ` +
        `remove sslmode from DATABASE_URL, or make it sslmode=${env.DB_SSL}`,
    },
  ];
}

/**
 * TLS problems in any environment: an unknown URL `sslmode`, a `DB_SSL` that contradicts it, URL
 * TLS parameters the module would silently ignore, and `DB_SSL_CA` without verification to use
 * it. Never echoes a URL.
 */
export function tlsProblems(env: TlsEnvironment, invalid: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [...tlsConflictProblems(env, invalid)];
  if (env.DATABASE_URL && !invalid.has('DATABASE_URL')) {
    const sslmode = urlOf(env)?.sslmode;
    if (sslmode !== undefined && !URL_SSL_MODES[sslmode]) {
      problems.push({
        variable: 'DATABASE_URL',
        expected: `sslmode must be one of ${Object.keys(URL_SSL_MODES).join(', ')}`,
      });
    }
    const params = new URL(env.DATABASE_URL).searchParams;
    for (const [name, fix] of Object.entries(UNREAD_URL_PARAMETERS)) {
      if (params.has(name)) problems.push({ variable: 'DATABASE_URL', expected: fix });
    }
  }
  if (env.DB_SSL_CA !== undefined && !invalid.has('DB_SSL_CA') && !invalid.has('DB_SSL')) {
    if (tlsSettingOf(env)?.mode !== 'verify-full') {
      problems.push({
        variable: 'DB_SSL_CA',
        expected: 'is only used with DB_SSL=verify-full; set DB_SSL=verify-full',
      });
    }
  }
  return problems;
}
