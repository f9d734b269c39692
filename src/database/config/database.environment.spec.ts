import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseConfigError } from '../errors/database-config.error';
import { DATABASE_ENV_VARIABLES, validateDatabaseEnvironment } from './database.environment';
import { configError } from '../../../test/support/config-error';

const DB_URL = 'postgres://app:secret@db.example.com:5432/app';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----\n';
const CANARY = 'CanaryS3cret!';

const validate = (vars: NodeJS.ProcessEnv) => validateDatabaseEnvironment({ DATABASE_URL: DB_URL, ...vars });
const variablesOf = (error: DatabaseConfigError) => error.problems.map((p) => p.variable).sort();

// [variable, what the message says it accepts, out-of-range values, accepted boundary values]
const INTEGER_VARS: [string, string, string[], string[]][] = [
  ['DB_PORT', 'an integer from 1 to 65535', ['0', '70000', '-1'], ['1', '65535']],
  ['DB_POOL_MAX', 'an integer from 1 to 1000', ['0', '1001'], ['1', '1000']],
  ['DB_POOL_MIN', 'an integer from 0 to 1000', ['-1', '1001'], ['0']],
  ['DB_POOL_IDLE_TIMEOUT_MS', 'an integer at least 0', ['-1'], ['0', '600000']],
  ['DB_CONNECT_TIMEOUT_MS', 'an integer at least 1', ['0', '-5'], ['1']],
  ['DB_STATEMENT_TIMEOUT_MS', 'an integer at least 0', ['-1'], ['0']],
  ['DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', 'an integer at least 0', ['-1'], ['0']],
  ['DB_SLOW_QUERY_MS', 'an integer at least 0', ['-1'], ['0']],
];

describe('validateDatabaseEnvironment', () => {
  it('returns typed values and leaves unset variables undefined', () => {
    const env = validate({ DB_POOL_MAX: '25', DB_PORT: ' 6543 ', DB_LOG_QUERIES: 'TRUE', DB_SSL: 'verify-full' });
    expect(env.DB_POOL_MAX).toBe(25);
    expect(env.DB_PORT).toBe(6543);
    expect(env.DB_LOG_QUERIES).toBe(true);
    expect(env.DB_SSL).toBe('verify-full');
    expect(env.DATABASE_URL).toBe(DB_URL);
    expect(env.DB_POOL_MIN).toBeUndefined();
    expect(env.DB_MIGRATIONS_RUN).toBeUndefined();
  });

  it('does not throw for an empty environment (the missing target is reported by buildDataSourceOptions)', () => {
    expect(() => validateDatabaseEnvironment({})).not.toThrow();
  });

  it('lists the variables it reads and ignores unrelated ones', () => {
    expect(DATABASE_ENV_VARIABLES).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'DB_HOST', 'DB_POOL_MAX', 'DB_SSL_CA']),
    );
    expect(() => validate({ PATH: '::not-validated::', HOME: 'x' })).not.toThrow();
  });

  describe('empty and whitespace-only values count as unset', () => {
    it.each(['', '   ', '\t\n'])('%j', (blank) => {
      const env = validateDatabaseEnvironment({
        DATABASE_URL: blank,
        DB_POOL_MAX: blank,
        DB_LOG_QUERIES: blank,
        DB_SSL: blank,
        NODE_ENV: blank,
        DB_HOST: blank,
      });
      expect(env.DATABASE_URL).toBeUndefined();
      expect(env.DB_POOL_MAX).toBeUndefined();
      expect(env.DB_LOG_QUERIES).toBeUndefined();
      expect(env.DB_SSL).toBeUndefined();
      expect(env.NODE_ENV).toBeUndefined();
      expect(env.DB_HOST).toBeUndefined();
    });
  });

  describe('integer variables', () => {
    const nonIntegers = INTEGER_VARS.flatMap(([name, accepts]) =>
      ['abc', '1.5', '10ms', '1e3'].map((value) => [name, value, accepts] as const),
    );
    it.each(nonIntegers)('rejects %s=%j, saying it must be %s', (name, value, accepts) => {
      const error = configError(() => validate({ [name]: value }));
      expect(error.message).toContain(name);
      expect(error.message).toContain(accepts);
      expect(error.problems).toEqual([{ variable: name, expected: expect.stringContaining(accepts) }]);
    });

    const outOfRange = INTEGER_VARS.flatMap(([name, accepts, bad]) =>
      bad.map((value) => [name, value, accepts] as const),
    );
    it.each(outOfRange)('rejects out-of-range %s=%s, saying it must be %s', (name, value, accepts) => {
      const error = configError(() => validate({ [name]: value }));
      expect(error.message).toMatch(new RegExp(`${name}: must be ${accepts}`));
      expect(variablesOf(error)).toEqual([name]);
    });

    const boundaries = INTEGER_VARS.flatMap(([name, , , ok]) => ok.map((value) => [name, value] as const));
    it.each(boundaries)('accepts %s=%s as a number', (name, value) => {
      const env = validate({ [name]: value }) as unknown as Record<string, unknown>;
      expect(env[name]).toBe(Number(value));
    });

    it('echoes a non-secret bad value in the message', () => {
      expect(configError(() => validate({ DB_POOL_MAX: 'abc' })).message).toContain('(got "abc")');
    });
  });

  it('names every bad variable when several are wrong at once', () => {
    const error = configError(() =>
      validate({ DB_PORT: '70000', DB_POOL_MAX: '0', DB_LOG_QUERIES: 'maybe', NODE_ENV: 'staging', DB_SSL: 'require' }),
    );
    expect(variablesOf(error)).toEqual(['DB_LOG_QUERIES', 'DB_POOL_MAX', 'DB_PORT', 'DB_SSL', 'NODE_ENV']);
    for (const name of variablesOf(error)) expect(error.message).toContain(`  - ${name}: must be`);
  });

  describe('DB_POOL_MIN and DB_POOL_MAX', () => {
    it('rejects DB_POOL_MIN greater than DB_POOL_MAX, naming DB_POOL_MIN', () => {
      const error = configError(() => validate({ DB_POOL_MIN: '5', DB_POOL_MAX: '2' }));
      expect(error.problems).toEqual([{ variable: 'DB_POOL_MIN', expected: 'must not exceed DB_POOL_MAX (2)' }]);
      expect(error.message).toContain('DB_POOL_MIN: must not exceed DB_POOL_MAX (2)');
    });

    // Regression: cross-field checks run only when every variable is individually valid (fixed).
    it('reports cross-field problems alongside other bad variables', () => {
      const error = configError(() =>
        validate({ DB_PORT: '70000', DB_SSL_CA: PEM, DB_POOL_MIN: '5', DB_POOL_MAX: '2' }),
      );
      expect(variablesOf(error)).toEqual(['DB_POOL_MIN', 'DB_PORT', 'DB_SSL_CA']);
    });

    it('accepts DB_POOL_MIN equal to DB_POOL_MAX', () => {
      expect(validate({ DB_POOL_MIN: '4', DB_POOL_MAX: '4' })).toMatchObject({ DB_POOL_MIN: 4, DB_POOL_MAX: 4 });
    });
  });

  describe('booleans', () => {
    const accepted: [string, boolean][] = [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['Yes', true],
      ['on', true],
      ['false', false],
      ['False', false],
      ['0', false],
      ['no', false],
      ['NO', false],
      ['off', false],
    ];
    const cases = ['DB_LOG_QUERIES', 'DB_MIGRATIONS_RUN'].flatMap((name) =>
      accepted.map(([v, b]) => [name, v, b] as const),
    );
    it.each(cases)('%s=%j is %s', (name, value, expected) => {
      expect((validate({ [name]: value }) as unknown as Record<string, unknown>)[name]).toBe(expected);
    });

    it.each(['DB_LOG_QUERIES', 'DB_MIGRATIONS_RUN'])('%s rejects "maybe"', (name) => {
      const error = configError(() => validate({ [name]: 'maybe' }));
      expect(error.message).toContain(`${name}: must be true or false`);
      expect(variablesOf(error)).toEqual([name]);
    });
  });

  describe('DB_SSL and DB_SSL_CA', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'db-env-spec-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.each(['disable', 'verify-full'])('accepts DB_SSL=%s', (mode) => {
      expect(validate({ DB_SSL: mode }).DB_SSL).toBe(mode);
    });

    it.each(['require', 'VERIFY-FULL', 'true'])('rejects DB_SSL=%s, listing the accepted values', (mode) => {
      const error = configError(() => validate({ DB_SSL: mode }));
      expect(error.message).toContain('DB_SSL: must be one of disable, verify-full');
      expect(variablesOf(error)).toEqual(['DB_SSL']);
    });

    it('accepts an inline PEM with DB_SSL=verify-full', () => {
      expect(validate({ DB_SSL: 'verify-full', DB_SSL_CA: PEM }).DB_SSL_CA).toBe(PEM);
    });

    it('accepts the path of an existing file with DB_SSL=verify-full', () => {
      const file = join(dir, 'ca.pem');
      writeFileSync(file, PEM);
      expect(validate({ DB_SSL: 'verify-full', DB_SSL_CA: file }).DB_SSL_CA).toBe(file);
    });

    it('rejects a path to a missing file, naming DB_SSL_CA', () => {
      const error = configError(() => validate({ DB_SSL: 'verify-full', DB_SSL_CA: join(dir, 'missing.pem') }));
      expect(variablesOf(error)).toEqual(['DB_SSL_CA']);
      expect(error.message).toContain('DB_SSL_CA: must be a PEM certificate or the path of an existing file');
    });

    it.each([{}, { DB_SSL: 'disable' }])('rejects DB_SSL_CA without DB_SSL=verify-full (%j)', (ssl) => {
      const error = configError(() => validate({ ...ssl, DB_SSL_CA: PEM }));
      expect(variablesOf(error)).toEqual(['DB_SSL_CA']);
      expect(error.message).toContain('set DB_SSL=verify-full');
    });
  });

  describe('NODE_ENV', () => {
    // DB_URL's host is remote: production requires TLS to it (production-policy.spec.ts).
    it.each(['development', 'test', 'production'])('accepts %s', (value) => {
      expect(validate({ NODE_ENV: value, DB_SSL: 'verify-full' }).NODE_ENV).toBe(value);
    });

    it.each(['staging', 'prod', 'Production'])('rejects %s, naming NODE_ENV', (value) => {
      const error = configError(() => validate({ NODE_ENV: value }));
      expect(variablesOf(error)).toEqual(['NODE_ENV']);
      expect(error.message).toContain('NODE_ENV: must be one of development, test, production');
    });
  });

  describe('DATABASE_URL', () => {
    it.each(['postgres://h/db', 'postgresql://u:p@h:1/db', 'postgres://[::1]:5433/db'])('accepts %s', (url) => {
      expect(validateDatabaseEnvironment({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
    });

    it.each(['mysql://u:p@h/db', 'not a url', 'postgres:///db', 'postgres://h:99999/db'])('rejects %j', (url) => {
      const error = configError(() => validateDatabaseEnvironment({ DATABASE_URL: url }));
      expect(variablesOf(error)).toEqual(['DATABASE_URL']);
      expect(error.message).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL with a host');
    });
  });

  describe('secrets never appear in the error', () => {
    const leaks = (error: DatabaseConfigError) => [
      error.message,
      JSON.stringify(error.problems),
      String(error),
      JSON.stringify(error),
      error.stack ?? '',
    ];

    it.each<[string, NodeJS.ProcessEnv, string[]]>([
      ['a malformed DATABASE_URL', { DATABASE_URL: `postgres://u:${CANARY}@:bad:port/db` }, ['DATABASE_URL']],
      ['a DATABASE_URL that is not a URL', { DATABASE_URL: `not a url ${CANARY}` }, ['DATABASE_URL']],
      [
        'DB_PASSWORD beside bad variables',
        { DB_HOST: 'h', DB_PASSWORD: CANARY, DB_PORT: 'x', DB_POOL_MAX: '0', DB_SSL: 'require' },
        ['DB_POOL_MAX', 'DB_PORT', 'DB_SSL'],
      ],
      ['an over-long DB_PASSWORD', { DB_HOST: 'h', DB_PASSWORD: CANARY.repeat(100) }, ['DB_PASSWORD']],
      ['a bad DB_SSL_CA', { DB_SSL: 'verify-full', DB_SSL_CA: `/nope/${CANARY}` }, ['DB_SSL_CA']],
    ])('%s', (_label, env, variables) => {
      const error = configError(() => validateDatabaseEnvironment(env));
      expect(variablesOf(error)).toEqual(variables);
      for (const text of leaks(error)) expect(text).not.toContain('CanaryS3cret');
    });

    it('says the value is hidden for secret variables', () => {
      const error = configError(() => validateDatabaseEnvironment({ DATABASE_URL: `not a url ${CANARY}` }));
      expect(error.message).toContain(
        'DATABASE_URL: must be a postgres:// or postgresql:// URL with a host (value hidden)',
      );
    });
  });
});
