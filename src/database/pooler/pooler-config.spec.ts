import { configError } from '../../../test/support/config-error';
import { validateDatabaseEnvironment } from '../config/database.environment';
import { buildDatabaseModuleOptions, buildDataSourceOptions } from '../database.options';
import { toTypeOrmModuleOptions } from '../database.module';
import { buildMigrationGuardOptions } from '../migrations/migration-guard.options';
import { isPermanentStartupFailure } from '../startup/database-connection';
import { withoutStartupTimeouts } from './pooler-mode';
import { poolerConfigRefusal } from './pooler-refusal';
import { alterRoleStatement, sessionTimeoutProblems } from './session-timeouts';

const DB_URL = 'postgres://app:secret@pgbouncer.internal:6432/app';
const env = (vars: NodeJS.ProcessEnv) => ({ DATABASE_URL: DB_URL, ...vars });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('DB_POOLER and DB_MIGRATIONS_URL', () => {
  it('accepts none, session and transaction, and refuses anything else naming the variable', () => {
    for (const mode of ['none', 'session', 'transaction']) {
      expect(validateDatabaseEnvironment(env({ DB_POOLER: mode })).DB_POOLER).toBe(mode);
    }
    const error = configError(() => validateDatabaseEnvironment(env({ DB_POOLER: 'pgbouncer' })));
    expect(error.problems).toEqual([
      { variable: 'DB_POOLER', expected: 'must be one of none, session, transaction (got "pgbouncer")' },
    ]);
  });

  it('refuses DB_PREPARED_STATEMENTS=true with DB_POOLER=transaction, naming both', () => {
    const error = configError(() =>
      validateDatabaseEnvironment(env({ DB_POOLER: 'transaction', DB_PREPARED_STATEMENTS: 'true' })),
    );
    expect(error.problems.map((p) => p.variable)).toEqual(['DB_PREPARED_STATEMENTS']);
    expect(error.message).toMatch(/DB_PREPARED_STATEMENTS: must not be true with DB_POOLER=transaction/);
    // Session mode keeps the client's server connection: prepared statements are fine there.
    expect(() =>
      validateDatabaseEnvironment(env({ DB_POOLER: 'session', DB_PREPARED_STATEMENTS: 'true' })),
    ).not.toThrow();
  });

  it('turns prepared statements off by default in transaction mode only', () => {
    expect(buildDatabaseModuleOptions(env({ DB_POOLER: 'transaction' })).preparedStatements).toBe(false);
    expect(buildDatabaseModuleOptions(env({ DB_POOLER: 'session' })).preparedStatements).toBe(true);
    expect(buildDatabaseModuleOptions(env({})).preparedStatements).toBe(true);
  });

  it('refuses forRoot options asking for prepared statements through a transaction pooler', () => {
    const options = {
      ...buildDatabaseModuleOptions(env({})),
      pooler: 'transaction' as const,
      preparedStatements: true,
    };
    const error = configError(() => toTypeOrmModuleOptions(options));
    expect(error.message).toMatch(/DB_PREPARED_STATEMENTS: .*preparedStatements and pooler/);
  });

  it('carries the mode in the data-source options, the timeouts staying in extra', () => {
    const options = buildDataSourceOptions(env({ DB_POOLER: 'transaction', DB_STATEMENT_TIMEOUT_MS: '1500' }));
    expect(options.pooler).toBe('transaction');
    expect(options.extra).toMatchObject({ statement_timeout: 1500 });
    expect(buildDataSourceOptions(env({})).pooler).toBe('none');
  });

  it('reads DB_MIGRATIONS_URL into a direct connection and refuses one with parameters, never echoing it', () => {
    const guard = buildMigrationGuardOptions(
      env({ DB_POOLER: 'transaction', DB_MIGRATIONS_URL: 'postgres://owner:s3cret@db.internal:5432/app' }),
    );
    expect(guard.pooler).toBe('transaction');
    expect(guard.directConnection).toEqual({
      host: 'db.internal',
      port: 5432,
      database: 'app',
      username: 'owner',
      password: 's3cret',
    });
    const error = configError(() =>
      validateDatabaseEnvironment(
        env({ DB_MIGRATIONS_URL: 'postgres://owner:s3cret@db.internal/app?sslmode=disable' }),
      ),
    );
    expect(error.problems.map((p) => p.variable)).toEqual(['DB_MIGRATIONS_URL']);
    expect(error.message).not.toMatch(/s3cret/);
    const bad = configError(() =>
      validateDatabaseEnvironment(env({ DB_MIGRATIONS_URL: 'mysql://owner:s3cret@x/app' })),
    );
    expect(bad.message).toMatch(
      /DB_MIGRATIONS_URL: must be a postgres:\/\/ or postgresql:\/\/ URL with a host \(value hidden\)/,
    );
    expect(bad.message).not.toMatch(/s3cret/);
  });
});

describe('withoutStartupTimeouts', () => {
  const options = buildDataSourceOptions(
    env({ DB_STATEMENT_TIMEOUT_MS: '1000', DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '0' }),
  );

  it('keeps the startup parameters with no pooler, and reports them', () => {
    const { options: kept, timeouts } = withoutStartupTimeouts(options, 'none');
    expect(kept).toBe(options);
    expect(timeouts).toEqual({ statement_timeout: 1000, idle_in_transaction_session_timeout: 0 });
  });

  it.each(['session', 'transaction'] as const)(
    'takes them out of the startup parameters behind a %s pooler',
    (mode) => {
      const { options: stripped, timeouts } = withoutStartupTimeouts(options, mode);
      expect(stripped.extra).not.toHaveProperty('statement_timeout');
      expect(stripped.extra).not.toHaveProperty('idle_in_transaction_session_timeout');
      expect(stripped.extra).toMatchObject({ keepAlive: true });
      expect(options.extra).toHaveProperty('statement_timeout', 1000); // the caller's object is left alone
      expect(timeouts).toEqual({ statement_timeout: 1000, idle_in_transaction_session_timeout: 0 });
    },
  );
});

describe('sessionTimeoutProblems', () => {
  const found = { role: 'app"user', settings: { statement_timeout: 0, idle_in_transaction_session_timeout: 60_000 } };

  it('names the variable and prints the ALTER ROLE that fixes it behind a pooler', () => {
    const problems = sessionTimeoutProblems(
      'transaction',
      { statement_timeout: 1000, idle_in_transaction_session_timeout: 60_000 },
      found,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0].variable).toBe('DB_STATEMENT_TIMEOUT_MS');
    expect(problems[0].expected).toContain(`ALTER ROLE "app""user" SET statement_timeout = '1000ms'`);
    expect(problems[0].expected).toMatch(/DB_POOLER=transaction\) have statement_timeout = 0 ms/);
    expect(problems[0].expected).toMatch(/or set DB_STATEMENT_TIMEOUT_MS=0/);
  });

  it('behind a pooler, a 0 (off) that the role does not have is a problem too', () => {
    const problems = sessionTimeoutProblems('session', { idle_in_transaction_session_timeout: 0 }, found);
    expect(problems.map((p) => p.variable)).toEqual(['DB_IDLE_IN_TRANSACTION_TIMEOUT_MS']);
  });

  it('with no pooler, a timeout that was sent but is missing means a pooler is there: DB_POOLER is named', () => {
    const problems = sessionTimeoutProblems('none', { statement_timeout: 1000 }, found);
    expect(problems[0].expected).toMatch(/ignore_startup_parameters\)\. Set DB_POOLER=transaction/);
    // A 0 is not sent when connecting, so the server's own value is no sign of anything.
    expect(sessionTimeoutProblems('none', { statement_timeout: 0 }, found)).toEqual([]);
  });

  it('accepts sessions that match', () => {
    expect(sessionTimeoutProblems('transaction', { statement_timeout: 0 }, found)).toEqual([]);
    expect(alterRoleStatement('app', 'idle_in_transaction_session_timeout', 5000)).toBe(
      `ALTER ROLE "app" SET idle_in_transaction_session_timeout = '5000ms'`,
    );
  });
});

describe('poolerConfigRefusal', () => {
  it('turns PgBouncer refusing a startup parameter into a configuration error naming DB_POOLER', () => {
    const refused = pgError('08P01', 'unsupported startup parameter: statement_timeout');
    const error = poolerConfigRefusal(refused, 'none')!;
    expect(error.problems[0].variable).toBe('DB_POOLER');
    expect(error.message).toMatch(/refused the startup parameter statement_timeout .*set DB_POOLER=transaction/);
    expect(isPermanentStartupFailure(error)).toBe(true);
    const other = poolerConfigRefusal(pgError('08P01', 'unsupported startup parameter: search_path'), 'transaction')!;
    expect(other.message).toMatch(/search_path .*ignore_startup_parameters/);
  });

  it('names the database PgBouncer does not know, and leaves its passing refusals (and other errors) alone', () => {
    expect(poolerConfigRefusal(pgError('08P01', 'no such database: nope'), 'transaction')!.problems[0].variable).toBe(
      'DATABASE_URL',
    );
    expect(poolerConfigRefusal(pgError('08P01', 'query_wait_timeout'), 'transaction')).toBeUndefined();
    expect(poolerConfigRefusal(pgError('08006', 'unsupported startup parameter: x'), 'none')).toBeUndefined();
    expect(poolerConfigRefusal(new Error('connect ECONNREFUSED'), 'none')).toBeUndefined();
  });
});
