import { buildDatabaseModuleOptions } from '../database.options';
import { readRouterSettings } from '../replicas/read-replicas.providers';
import { configError } from '../../../test/support/config-error';
import { validateDatabaseEnvironment } from './database.environment';
import { MAX_READ_REPLICAS } from './replica-environment';

const PRIMARY = 'postgres://app:secret@127.0.0.1:5432/app';
const CANARY = 'CanaryS3cret!';

const problemsOf = (env: NodeJS.ProcessEnv) =>
  configError(() => validateDatabaseEnvironment({ DATABASE_URL: PRIMARY, ...env })).problems;

describe('DB_READ_REPLICA_URLS', () => {
  it('accepts a comma-separated list, blanks around entries ignored', () => {
    const env = validateDatabaseEnvironment({
      DATABASE_URL: PRIMARY,
      DB_READ_REPLICA_URLS: ' postgres://127.0.0.1:5433/app , postgresql://u:p@127.0.0.2:5434 ,',
      DB_REPLICA_MAX_LAG_MS: '2500',
      DB_REPLICA_CHECK_INTERVAL_MS: '200',
      DB_REPLICA_POOL_MAX: '4',
    });
    expect(env.DB_REPLICA_MAX_LAG_MS).toBe(2500);
    expect(env.DB_REPLICA_CHECK_INTERVAL_MS).toBe(200);
    expect(env.DB_REPLICA_POOL_MAX).toBe(4);
  });

  it.each([
    ['not a URL', `https://x, ${CANARY}`],
    ['an entry without a host', 'postgres://127.0.0.1:5433/app,postgres:///app'],
    [
      'too many entries',
      Array.from({ length: MAX_READ_REPLICAS + 1 }, (_, i) => `postgres://10.0.0.${i}/app`).join(','),
    ],
  ])('refuses %s, naming the variable and never echoing the value', (_, value) => {
    const problems = problemsOf({ DB_READ_REPLICA_URLS: value });
    expect(problems.map((p) => p.variable)).toEqual(['DB_READ_REPLICA_URLS']);
    expect(problems[0].expected).toContain('(value hidden)');
    expect(JSON.stringify(problems)).not.toContain(CANARY);
  });

  it('applies the primary TLS rules to each replica, naming its place in the list but not its URL', () => {
    const problems = problemsOf({
      DB_READ_REPLICA_URLS: `postgres://u:${CANARY}@127.0.0.1/app,postgres://u:${CANARY}@10.1.2.3/app?sslmode=bogus`,
    });
    expect(problems).toEqual([
      { variable: 'DB_READ_REPLICA_URLS', expected: expect.stringMatching(/^replica 2: sslmode must be one of/) },
    ]);
    expect(JSON.stringify(problems)).not.toMatch(new RegExp(`${CANARY}|10\\.1\\.2\\.3`));
  });

  it('refuses a replica URL whose sslmode contradicts DB_SSL', () => {
    const problems = problemsOf({
      DB_SSL: 'verify-full',
      DB_READ_REPLICA_URLS: 'postgres://127.0.0.1/app?sslmode=disable',
    });
    expect(problems).toEqual([
      {
        variable: 'DB_READ_REPLICA_URLS',
        expected: expect.stringMatching(/^replica 1: is verify-full, but its URL has sslmode=disable/),
      },
    ]);
  });

  it('in production, refuses a replica off this machine without verified TLS, as for the primary', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      DB_READ_REPLICA_URLS:
        'postgres://127.0.0.1:5433/app,postgres://replica.example.com/app,postgres://r2.example.com/app?sslmode=require',
    });
    expect(problems.map((p) => p.variable)).toEqual(['DB_READ_REPLICA_URLS', 'DB_READ_REPLICA_URLS']);
    expect(problems[0].expected).toMatch(/^replica 2: is not set \(no TLS\), but production/);
    expect(problems[1].expected).toMatch(/^replica 3: has sslmode=require/);
  });

  it.each([
    ['DB_REPLICA_MAX_LAG_MS', '0'],
    ['DB_REPLICA_CHECK_INTERVAL_MS', '10'],
    ['DB_REPLICA_POOL_MAX', '0'],
  ])('refuses %s=%s', (variable, value) => {
    expect(problemsOf({ [variable]: value }).map((p) => p.variable)).toEqual([variable]);
  });
});

describe('read replica options from the environment', () => {
  it('behind a pooler (DB_POOLER), no session timeouts as startup parameters, as for the primary', () => {
    const options = buildDatabaseModuleOptions({
      DATABASE_URL: PRIMARY,
      DB_POOLER: 'transaction',
      DB_READ_REPLICA_URLS: 'postgres://127.0.0.1:6433/app',
    });
    const pool = readRouterSettings(options, options.readReplicas!).replicas[0].pool as Record<string, unknown>;
    expect(pool.statement_timeout).toBeUndefined();
    expect(pool.idle_in_transaction_session_timeout).toBeUndefined();
  });

  it('none without DB_READ_REPLICA_URLS', () => {
    expect(buildDatabaseModuleOptions({ DATABASE_URL: PRIMARY }).readReplicas).toBeUndefined();
  });

  it("each replica's host, port and, where its URL has them, credentials and database; the rest the primary's", () => {
    const options = buildDatabaseModuleOptions({
      DATABASE_URL: PRIMARY,
      DB_POOL_MAX: '7',
      DB_STATEMENT_TIMEOUT_MS: '1234',
      DB_READ_REPLICA_URLS: 'postgres://127.0.0.1:5433,postgres://reader:pw@127.0.0.2:5434/other?sslmode=no-verify',
      DB_REPLICA_MAX_LAG_MS: '800',
    });
    const settings = readRouterSettings(options, options.readReplicas!);
    expect(settings.maxLagMs).toBe(800);
    expect(settings.replicas.map((r) => [r.name, r.address])).toEqual([
      ['replica-1', '127.0.0.1:5433'],
      ['replica-2', '127.0.0.2:5434'],
    ]);
    expect(settings.replicas[0].pool).toMatchObject({
      host: '127.0.0.1',
      port: 5433,
      user: 'app',
      password: 'secret',
      database: 'app',
      ssl: false,
      max: 7,
      min: 0,
      statement_timeout: 1234,
    });
    expect(settings.replicas[1].pool).toMatchObject({
      user: 'reader',
      password: 'pw',
      database: 'other',
      ssl: { rejectUnauthorized: false },
    });
  });
});
