import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConnectionUrl, redactConnectionUrl } from './config/connection-url';
import {
  DEFAULT_APPLICATION_NAME,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_DATABASE_NAME,
  DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DEFAULT_POOL_IDLE_TIMEOUT_MS,
  DEFAULT_POOL_MAX,
  DEFAULT_POOL_MIN,
  DEFAULT_PORT,
  DEFAULT_SLOW_QUERY_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  DEFAULT_USER,
  MIGRATIONS_TABLE_NAME,
} from './database.constants';
import { buildDataSourceOptions } from './database.options';
import { DatabaseConfigError } from './errors/database-config.error';
import { configError } from '../../test/support/config-error';

const DB_URL = 'postgres://app:secret@db.example.com:6543/appdb';
const DB_URL_TARGET = { host: 'db.example.com', port: 6543, database: 'appdb', username: 'app', password: 'secret' };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----\n';
const CANARY = 'CanaryS3cret!';
const TMP_DIR = mkdtempSync(join(tmpdir(), 'db-options-spec-'));
const CA_FILE = join(TMP_DIR, 'root.crt');
writeFileSync(CA_FILE, PEM);

const withSslMode = (mode: string) => `${DB_URL}?sslmode=${mode}`;
const build = (vars: NodeJS.ProcessEnv = {}) => buildDataSourceOptions({ DATABASE_URL: DB_URL, ...vars });

afterAll(() => rmSync(TMP_DIR, { recursive: true, force: true }));

describe('buildDataSourceOptions', () => {
  it('applies the defaults when only DATABASE_URL is given', () => {
    const options = build();
    expect(DEFAULT_POOL_MAX).toBe(10);
    expect(options).toMatchObject({
      type: 'postgres',
      poolSize: DEFAULT_POOL_MAX,
      connectTimeoutMS: DEFAULT_CONNECT_TIMEOUT_MS,
      applicationName: DEFAULT_APPLICATION_NAME,
      synchronize: false,
      migrationsRun: false,
      migrationsTableName: MIGRATIONS_TABLE_NAME,
      migrationsTransactionMode: 'each',
      ssl: false,
      uuidExtension: 'pgcrypto',
      installExtensions: false,
      maxQueryExecutionTime: DEFAULT_SLOW_QUERY_MS,
    });
    expect(options.extra).toEqual({
      min: DEFAULT_POOL_MIN,
      idleTimeoutMillis: DEFAULT_POOL_IDLE_TIMEOUT_MS,
      statement_timeout: DEFAULT_STATEMENT_TIMEOUT_MS,
      idle_in_transaction_session_timeout: DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      keepAlive: true,
    });
    expect(options.logging).toEqual(expect.not.arrayContaining(['query']));
    expect(typeof options.poolErrorHandler).toBe('function');
  });

  it.each([
    ['DB_POOL_MAX', '50', 'poolSize', 50],
    ['DB_POOL_MIN', '2', 'extra.min', 2],
    ['DB_POOL_IDLE_TIMEOUT_MS', '0', 'extra.idleTimeoutMillis', 0],
    ['DB_CONNECT_TIMEOUT_MS', '1500', 'connectTimeoutMS', 1500],
    ['DB_STATEMENT_TIMEOUT_MS', '0', 'extra.statement_timeout', 0],
    ['DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', '120000', 'extra.idle_in_transaction_session_timeout', 120000],
    ['DB_APPLICATION_NAME', 'billing', 'applicationName', 'billing'],
    ['DB_MIGRATIONS_RUN', 'YES', 'migrationsRun', true],
    ['DB_MIGRATIONS_RUN', 'off', 'migrationsRun', false],
  ])('%s=%s sets %s to %j', (variable, value, path, expected) => {
    expect(build({ [variable]: value })).toHaveProperty(path, expected);
  });

  describe('DATABASE_URL', () => {
    it.each([
      [DB_URL, DB_URL_TARGET],
      ['postgresql://u:p@h/d', { host: 'h', port: DEFAULT_PORT, database: 'd', username: 'u', password: 'p' }],
      ['postgres://u:p%40ss%3Aw%2540rd@h/d', { password: 'p@ss:w%40rd', username: 'u' }],
      ['postgres://u:p@ss:word@h/d', { password: 'p@ss:word', host: 'h' }],
      ['postgres://us%40er:p@h/d%2Dx', { username: 'us@er', database: 'd-x' }],
      ['postgres://u:p@[::1]:5433/d', { host: '::1', port: 5433 }],
      ['postgres://u:p@[2001:db8::1]/d', { host: '2001:db8::1', port: DEFAULT_PORT }],
      ['postgres://h', { host: 'h', port: DEFAULT_PORT, database: DEFAULT_DATABASE_NAME, username: DEFAULT_USER }],
    ])('parses %s', (url, expected) => {
      expect(buildDataSourceOptions({ DATABASE_URL: url })).toMatchObject(expected);
    });

    // Regression: port 0 in the URL is accepted and yields `port: 0` (fixed).
    it('rejects port 0 in the URL, naming DATABASE_URL', () => {
      expect(() => buildDataSourceOptions({ DATABASE_URL: 'postgres://u:p@h:0/d' })).toThrow(/DATABASE_URL/);
    });

    it('takes the password from DB_PASSWORD when the URL has none', () => {
      expect(buildDataSourceOptions({ DATABASE_URL: 'postgres://u@h/d', DB_PASSWORD: 'pw' }).password).toBe('pw');
    });

    it('wins over DB_HOST and friends when both are given', () => {
      const options = build({ DB_HOST: 'other', DB_PORT: '1111', DB_NAME: 'n', DB_USER: 'x', DB_PASSWORD: 'y' });
      expect(options).toMatchObject(DB_URL_TARGET);
    });
  });

  describe('DB_HOST and friends (no DATABASE_URL)', () => {
    it('uses DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD', () => {
      const env = { DB_HOST: 'pg.local', DB_PORT: '5439', DB_NAME: 'shop', DB_USER: 'shopper', DB_PASSWORD: 'p@ss' };
      expect(buildDataSourceOptions(env)).toMatchObject({
        host: 'pg.local',
        port: 5439,
        database: 'shop',
        username: 'shopper',
        password: 'p@ss',
        ssl: false,
      });
    });

    it('defaults port, database and user', () => {
      expect(buildDataSourceOptions({ DB_HOST: 'pg.local' })).toMatchObject({
        port: DEFAULT_PORT,
        database: DEFAULT_DATABASE_NAME,
        username: DEFAULT_USER,
        password: undefined,
      });
    });

    it.each([{}, { DATABASE_URL: '', DB_HOST: '  ' }, { DB_NAME: 'x', DB_PORT: '5432' }])(
      'throws naming DATABASE_URL when neither DATABASE_URL nor DB_HOST is set (%j)',
      (env) => {
        const error = configError(() => buildDataSourceOptions(env));
        expect(error.problems.map((p) => p.variable)).toEqual(['DATABASE_URL']);
        expect(error.message).toContain('DATABASE_URL: must be set (or DB_HOST');
      },
    );
  });

  describe('TLS', () => {
    const verified = { rejectUnauthorized: true };
    it.each<[string, NodeJS.ProcessEnv, unknown]>([
      ['DB_SSL=disable', { DB_SSL: 'disable' }, false],
      ['DB_SSL=verify-full', { DB_SSL: 'verify-full' }, verified],
      ['DB_SSL_CA inline PEM', { DB_SSL: 'verify-full', DB_SSL_CA: PEM }, { ...verified, ca: PEM }],
      ['DB_SSL_CA file path', { DB_SSL: 'verify-full', DB_SSL_CA: CA_FILE }, { ...verified, ca: PEM }],
      ['?sslmode=disable', { DATABASE_URL: withSslMode('disable') }, false],
      ['?sslmode=verify-full', { DATABASE_URL: withSslMode('verify-full') }, verified],
      ['?sslmode=require', { DATABASE_URL: withSslMode('require') }, verified],
      ['?sslmode=no-verify', { DATABASE_URL: withSslMode('no-verify') }, { rejectUnauthorized: false }],
      ['DB_SSL=disable agreeing with disable', { DATABASE_URL: withSslMode('disable'), DB_SSL: 'disable' }, false],
      [
        'DB_SSL=verify-full agreeing with verify-full',
        { DATABASE_URL: withSslMode('verify-full'), DB_SSL: 'verify-full' },
        verified,
      ],
    ])('%s gives ssl %j', (_label, env, ssl) => {
      expect(build(env).ssl).toEqual(ssl);
    });

    // Regression: DB_SSL used to win silently over a URL sslmode saying otherwise (fixed: refused, naming both).
    it.each<[string, string, string]>([
      ['disable', 'verify-full', 'TLS with the chain and the host name checked'],
      ['verify-full', 'disable', 'no TLS at all'],
      ['verify-full', 'no-verify', 'TLS with no certificate check (a pg word)'],
      ['verify-full', 'require', 'TLS with no certificate check'],
    ])('DB_SSL=%s with ?sslmode=%s is refused in any environment, naming both', (dbSsl, word, meaning) => {
      const error = configError(() => build({ DATABASE_URL: withSslMode(word), DB_SSL: dbSsl }));
      expect(error.problems).toEqual([
        {
          variable: 'DB_SSL',
          expected:
            `is ${dbSsl}, but DATABASE_URL has sslmode=${word}, meaning ${meaning}; the two disagree: ` +
            `remove sslmode from DATABASE_URL, or make it sslmode=${dbSsl}`,
        },
      ]);
      expect(error.message).not.toContain('secret');
    });

    it('DB_SSL_CA pointing to a missing file throws naming DB_SSL_CA', () => {
      const error = configError(() => build({ DB_SSL: 'verify-full', DB_SSL_CA: join(TMP_DIR, 'absent.crt') }));
      expect(error.problems.map((p) => p.variable)).toEqual(['DB_SSL_CA']);
    });
    it.each([
      [{ DB_SSL_CA: PEM }, /DB_SSL_CA: .*DB_SSL=verify-full/],
      [{ DB_SSL: 'require' }, /DB_SSL: must be one of disable, verify-full/],
    ])('%j throws a DatabaseConfigError matching %s', (env, message) => {
      expect(() => build(env)).toThrow(DatabaseConfigError);
      expect(() => build(env)).toThrow(message);
    });
    // Regression: a DB_SSL_CA naming a directory used to pass validation and then fail reading it (fixed).
    it('DB_SSL_CA naming a directory throws a DatabaseConfigError naming DB_SSL_CA', () => {
      expect(() => build({ DB_SSL: 'verify-full', DB_SSL_CA: TMP_DIR })).toThrow(DatabaseConfigError);
    });

    // Regression: DB_SSL_CA was refused with ?sslmode=verify-full although the builder uses it there (fixed).
    it('?sslmode=verify-full uses DB_SSL_CA', () => {
      expect(build({ DATABASE_URL: withSslMode('verify-full'), DB_SSL_CA: CA_FILE }).ssl).toEqual({
        ...verified,
        ca: PEM,
      });
    });

    // Regression: libpq's TLS parameters in the URL were silently ignored, so sslrootcert gave a bare
    // "unable to verify the first certificate" at connect time (fixed: refused, saying what to do).
    it.each([
      ['sslrootcert=/etc/ca.pem', /DATABASE_URL: put the CA certificate in DB_SSL_CA/],
      ['sslcert=/c.pem&sslkey=/k.pem', /DATABASE_URL: client certificates .* remove sslcert\n.*remove sslkey/],
      ['sslpassword=x', /DATABASE_URL: client certificates .*remove sslpassword/],
      ['sslcrl=/crl.pem', /DATABASE_URL: certificate revocation lists are not supported/],
    ])('URL ?sslmode=verify-full&%s throws naming DATABASE_URL', (params, message) => {
      const error = configError(() => build({ DATABASE_URL: `${withSslMode('verify-full')}&${params}` }));
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('secret');
    });

    it('URL ?sslmode=bogus throws naming DATABASE_URL', () => {
      const error = configError(() => buildDataSourceOptions({ DATABASE_URL: withSslMode('bogus') }));
      expect(error.problems.map((p) => p.variable)).toEqual(['DATABASE_URL']);
      expect(error.message).toContain('sslmode must be one of');
      expect(error.message).not.toContain('secret');
    });
  });

  describe('logging', () => {
    it.each(['true', 'TRUE', '1', 'yes'])('DB_LOG_QUERIES=%s logs everything', (value) => {
      expect(build({ DB_LOG_QUERIES: value }).logging).toBe('all');
    });
    it.each(['false', '0', 'No', ''])('DB_LOG_QUERIES=%j logs no queries', (value) => {
      const logging = build({ DB_LOG_QUERIES: value }).logging;
      expect(Array.isArray(logging)).toBe(true);
      expect(logging).not.toContain('query');
      expect(logging).toContain('error');
    });
    it('rejects DB_LOG_QUERIES=maybe', () => {
      expect(() => build({ DB_LOG_QUERIES: 'maybe' })).toThrow('DB_LOG_QUERIES: must be true or false');
    });
    it.each([
      ['250', 250],
      ['0', undefined],
      ['  ', DEFAULT_SLOW_QUERY_MS],
    ])('DB_SLOW_QUERY_MS=%j gives maxQueryExecutionTime %s', (value, expected) => {
      expect(build({ DB_SLOW_QUERY_MS: value }).maxQueryExecutionTime).toBe(expected);
    });
  });

  it('treats empty and whitespace-only values as unset', () => {
    const options = build({ DB_POOL_MAX: '', DB_CONNECT_TIMEOUT_MS: '   ', DB_SSL: '', DB_APPLICATION_NAME: ' ' });
    expect(options).toMatchObject({
      poolSize: DEFAULT_POOL_MAX,
      connectTimeoutMS: DEFAULT_CONNECT_TIMEOUT_MS,
      ssl: false,
      applicationName: DEFAULT_APPLICATION_NAME,
    });
  });

  it('rejects NODE_ENV outside development/test/production', () => {
    expect(() => build({ NODE_ENV: 'staging' })).toThrow(/NODE_ENV: must be one of development, test, production/);
  });

  // Regression: the missing-target check runs only after the variables validate (fixed).
  it('names DATABASE_URL as well when a missing target comes with another bad variable', () => {
    const error = configError(() => buildDataSourceOptions({ DB_POOL_MAX: '0' }));
    expect(error.problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'DB_POOL_MAX']);
  });

  // Regression: DB_POOL_MIN is only compared with an explicit DB_POOL_MAX (fixed).
  it('rejects DB_POOL_MIN greater than the default DB_POOL_MAX', () => {
    expect(() => build({ DB_POOL_MIN: String(DEFAULT_POOL_MAX + 10) })).toThrow(/DB_POOL_MIN/);
  });

  describe('secrets never appear in the error', () => {
    it.each<[string, NodeJS.ProcessEnv]>([
      ['malformed URL', { DATABASE_URL: `postgres://u:${CANARY}@:bad:port/db` }],
      ['not a URL', { DATABASE_URL: `not a url ${CANARY}` }],
      // A password with an unencoded '#', '/' or '?' ends the URL's authority early: unparseable, never echoed.
      ['unencoded # in the password', { DATABASE_URL: `postgres://u:${CANARY}#x@h:5432/db` }],
      ['unencoded / in the password', { DATABASE_URL: `postgres://u:${CANARY}/x@h:5432/db` }],
      ['unencoded ? in the password', { DATABASE_URL: `postgres://u:${CANARY}?x@h:5432/db` }],
      [
        'production refusal of a weak sslmode',
        {
          NODE_ENV: 'production',
          DATABASE_URL: `${DB_URL.replace('secret', encodeURIComponent(CANARY))}?sslmode=require`,
        },
      ],
      ['URL with bad sslmode', { DATABASE_URL: `postgres://u:${encodeURIComponent(CANARY)}@h/d?sslmode=bogus` }],
      ['DB_PASSWORD with bad variables', { DB_HOST: 'h', DB_PASSWORD: CANARY, DB_POOL_MAX: '0', DB_PORT: 'abc' }],
      ['DB_PASSWORD without a host', { DB_PASSWORD: CANARY }],
    ])('%s', (_label, env) => {
      const error = configError(() => buildDataSourceOptions(env));
      const texts = [error.message, JSON.stringify(error.problems), String(error), JSON.stringify(error), error.stack];
      for (const text of texts) expect(text ?? '').not.toMatch(/CanaryS3cret/);
    });
  });
});

describe('parseConnectionUrl', () => {
  it('decodes percent-encoded parts and reads sslmode', () => {
    expect(parseConnectionUrl('postgresql://a%20b:p%40%3A@[::1]:1/d%20b?sslmode=no-verify')).toEqual({
      host: '::1',
      port: 1,
      database: 'd b',
      username: 'a b',
      password: 'p@:',
      sslmode: 'no-verify',
    });
  });

  it.each(['', 'garbage', 'http://u:p@h/d', 'postgres://', 'postgres://u:p@:1/d', 'postgres://u:%zz@h/d'])(
    'returns undefined for %j without throwing',
    (value) => expect(parseConnectionUrl(value)).toBeUndefined(),
  );
});

describe('redactConnectionUrl', () => {
  it('replaces the password with ****', () => {
    const redacted = redactConnectionUrl(`postgres://u:${encodeURIComponent(CANARY)}@h:5432/d?sslmode=disable`);
    expect(redacted).toBe('postgres://u:****@h:5432/d?sslmode=disable');
    expect(redactConnectionUrl('postgres://u:p%40ss@h/d')).toBe('postgres://u:****@h/d');
    expect(redactConnectionUrl('postgres://u@h/d')).toBe('postgres://u@h/d');
  });

  it.each(['', `not a url ${CANARY}`, `postgres://u:${CANARY}@:bad:port/db`, '%%%', '://'])(
    'never throws and never echoes garbage %j',
    (value) => {
      let redacted = '';
      expect(() => (redacted = redactConnectionUrl(value))).not.toThrow();
      expect(redacted).not.toContain('CanaryS3cret');
    },
  );
});
