import { configError } from '../../../test/support/config-error';
import { buildDataSourceOptions } from '../database.options';
import { isLoopbackHost } from './production-policy';

const CANARY = 'Canary-Pr0d-Secret';
const REMOTE = `postgres://app:${CANARY}@db.example.com:5432/app`;
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfakefakefake\n-----END CERTIFICATE-----\n';
const production = (vars: NodeJS.ProcessEnv) => ({ NODE_ENV: 'production', ...vars });

/** The problems production finds in `vars`, each as `VARIABLE: text`; none when it starts. */
function refusals(vars: NodeJS.ProcessEnv): string[] {
  try {
    buildDataSourceOptions(production(vars));
    return [];
  } catch {
    const error = configError(() => buildDataSourceOptions(production(vars)));
    for (const text of [error.message, JSON.stringify(error.problems)]) {
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain('db.example.com');
    }
    return error.problems.map((p) => `${p.variable}: ${p.expected}`);
  }
}

describe('production policy (NODE_ENV=production)', () => {
  describe('starts with the chain and host name verified', () => {
    it.each<[string, NodeJS.ProcessEnv]>([
      ['DB_SSL=verify-full with DB_SSL_CA', { DATABASE_URL: REMOTE, DB_SSL: 'verify-full', DB_SSL_CA: PEM }],
      ['DB_SSL=verify-full with the system CAs', { DATABASE_URL: REMOTE, DB_SSL: 'verify-full' }],
      ['?sslmode=verify-full', { DATABASE_URL: `${REMOTE}?sslmode=verify-full` }],
      ['?sslmode=verify-full with DB_SSL_CA', { DATABASE_URL: `${REMOTE}?sslmode=verify-full`, DB_SSL_CA: PEM }],
      ['DB_HOST with DB_SSL=verify-full', { DB_HOST: 'db.example.com', DB_PASSWORD: CANARY, DB_SSL: 'verify-full' }],
      // Both set: they must say the same.
      [
        'DB_SSL=verify-full with ?sslmode=verify-full',
        { DATABASE_URL: `${REMOTE}?sslmode=verify-full`, DB_SSL: 'verify-full', DB_SSL_CA: PEM },
      ],
    ])('%s', (_label, vars) => {
      expect(refusals(vars)).toEqual([]);
      expect(buildDataSourceOptions(production(vars)).ssl).toMatchObject({ rejectUnauthorized: true });
    });
  });

  describe('refuses TLS without verification, naming DATABASE_URL and the fix', () => {
    it.each([
      ['no-verify', 'TLS with no certificate check'],
      ['require', 'TLS with no certificate check'],
      ['verify-ca', 'the chain checked but not the host name'],
      ['prefer', 'TLS if the server offers it'],
      ['allow', 'TLS only if the server insists'],
    ])('?sslmode=%s', (word, meaning) => {
      const found = refusals({ DATABASE_URL: `${REMOTE}?sslmode=${word}` });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(new RegExp(`^DATABASE_URL: has sslmode=${word}, which libpq .*${meaning}`));
      expect(found[0]).toContain('requires sslmode=verify-full');
      expect(found[0]).toContain('set DB_SSL=verify-full and DB_SSL_CA=<path');
    });

    it.each(['localhost', '127.0.0.1'])('even to a loopback host (%s): the word is a mistake anywhere', (host) => {
      expect(refusals({ DATABASE_URL: `postgres://app:${CANARY}@${host}/app?sslmode=no-verify` })).toHaveLength(1);
    });
  });

  // Regression: DB_SSL=verify-full used to win silently over a weaker URL word, so the service started
  // with a URL that psql or a migration tool would read as unverified (fixed: refused, naming both).
  describe('refuses DB_SSL contradicting the URL sslmode, naming both', () => {
    it.each(['no-verify', 'require', 'verify-ca', 'prefer', 'allow', 'disable'])(
      'DB_SSL=verify-full with ?sslmode=%s',
      (word) => {
        expect(refusals({ DATABASE_URL: `${REMOTE}?sslmode=${word}`, DB_SSL: 'verify-full' })).toEqual([
          expect.stringMatching(
            new RegExp(
              `^DB_SSL: is verify-full, but DATABASE_URL has sslmode=${word}, meaning .*; the two disagree: ` +
                'remove sslmode from DATABASE_URL, or make it sslmode=verify-full$',
            ),
          ),
        ]);
      },
    );
    it('DB_SSL=disable with ?sslmode=verify-full, to a loopback host', () => {
      expect(
        refusals({ DATABASE_URL: `postgres://app:${CANARY}@localhost/app?sslmode=verify-full`, DB_SSL: 'disable' }),
      ).toEqual([
        expect.stringMatching(/^DB_SSL: is disable, but DATABASE_URL has sslmode=verify-full, meaning TLS with/),
      ]);
    });
  });

  describe('refuses no TLS at all to a host off this machine', () => {
    it('DB_SSL unset, naming DB_SSL', () => {
      expect(refusals({ DATABASE_URL: REMOTE })).toEqual([
        'DB_SSL: is not set (no TLS), but production (NODE_ENV=production) requires TLS to a host off this ' +
          "machine; set DB_SSL=verify-full and DB_SSL_CA=<path of the server's CA certificate>",
      ]);
    });
    it('DB_SSL=disable, naming DB_SSL', () => {
      expect(refusals({ DB_HOST: 'db.example.com', DB_PASSWORD: CANARY, DB_SSL: 'disable' })).toEqual([
        expect.stringMatching(/^DB_SSL: is disable, but production .* set DB_SSL=verify-full and DB_SSL_CA=</),
      ]);
    });
    it('?sslmode=disable, naming DATABASE_URL', () => {
      expect(refusals({ DATABASE_URL: `${REMOTE}?sslmode=disable` })).toEqual([
        expect.stringMatching(/^DATABASE_URL: has sslmode=disable, but production .* use sslmode=verify-full, or set/),
      ]);
    });
    it.each(['10.0.0.5', '192.168.1.10', 'db.internal', '[2001:db8::1]', '128.0.0.1'])('to %s', (host) => {
      expect(refusals({ DATABASE_URL: `postgres://app:${CANARY}@${host}/app` })).toHaveLength(1);
    });
  });

  it.each(['localhost', '127.0.0.1', '127.10.0.1', '[::1]', 'LOCALHOST', 'pg.localhost'])(
    'allows no TLS to the loopback host %s (a sidecar proxy)',
    (host) => {
      expect(refusals({ DATABASE_URL: `postgres://app:${CANARY}@${host}:6432/app` })).toEqual([]);
      expect(refusals({ DATABASE_URL: `postgres://app:${CANARY}@${host}:6432/app?sslmode=disable` })).toEqual([]);
    },
  );

  it('allows no TLS over a Unix socket (DB_HOST=/var/run/postgresql)', () => {
    expect(refusals({ DB_HOST: '/var/run/postgresql', DB_SSL: 'disable' })).toEqual([]);
  });

  it('reports a weak TLS setting together with every other bad variable', () => {
    const found = refusals({ DATABASE_URL: `${REMOTE}?sslmode=require`, DB_POOL_MAX: '0' });
    expect(found.map((f) => f.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'DB_POOL_MAX']);
  });

  it.each(['development', 'test', undefined])('NODE_ENV=%s keeps every mode', (nodeEnv) => {
    for (const word of ['disable', 'require', 'no-verify']) {
      const env = { NODE_ENV: nodeEnv, DATABASE_URL: `${REMOTE}?sslmode=${word}` };
      expect(() => buildDataSourceOptions(env)).not.toThrow();
    }
  });

  it.each(['development', 'test', undefined])('NODE_ENV=%s refuses contradictory settings too', (nodeEnv) => {
    const env = { NODE_ENV: nodeEnv, DATABASE_URL: `${REMOTE}?sslmode=no-verify`, DB_SSL: 'verify-full' };
    const error = configError(() => buildDataSourceOptions(env));
    expect(error.problems).toEqual([
      { variable: 'DB_SSL', expected: expect.stringContaining('DATABASE_URL has sslmode=no-verify') },
    ]);
    expect(error.message).not.toContain(CANARY);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'localhost.', '127.0.0.1', '127.255.255.254', '::1', '/tmp', '/var/run/postgresql'])(
    '%s is loopback',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );
  it.each(['db.example.com', 'localhost.example.com', '10.0.0.1', '0.0.0.0', '::', '2001:db8::1', '128.0.0.1'])(
    '%s is not',
    (host) => expect(isLoopbackHost(host)).toBe(false),
  );
});
