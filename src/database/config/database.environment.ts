import { statSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigProblem, DatabaseConfigError } from '../errors/database-config.error';
import { DEFAULT_POOL_MAX } from '../database.constants';
import { parseConnectionUrl } from './connection-url';
import { BooleanVar, EXPECTED, IntegerVar, OneOfVar, SECRET, SecretVar, StringVar } from './env-decorators';
import { productionPolicyProblems } from './production-policy';
import { isReplicaUrlList, MAX_READ_REPLICAS, replicaUrlProblems } from './replica-environment';
import { tlsProblems } from './tls-settings';
import { SSL_MODES, SslMode } from './tls-environment';
import { POOLER_MODES, PoolerMode } from '../pooler/pooler-mode';

const isPem = (v: string) => v.includes('-----BEGIN CERTIFICATE-----');
const isFile = (path: string) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * The environment variables the database module reads, validated with class-validator.
 * Every field is optional here; defaults are applied by `buildDataSourceOptions`.
 */
export class DatabaseEnvironment {
  @OneOfVar(['development', 'test', 'production'])
  NODE_ENV?: string;

  @SecretVar('a postgres:// or postgresql:// URL with a host', (v) => parseConnectionUrl(v) !== undefined)
  DATABASE_URL?: string;

  @StringVar(255)
  DB_HOST?: string;

  @IntegerVar(1, 65535)
  DB_PORT?: number;

  @StringVar(63)
  DB_NAME?: string;

  @StringVar(63)
  DB_USER?: string;

  @StringVar(1024, { secret: true })
  DB_PASSWORD?: string;

  @IntegerVar(1, 1000)
  DB_POOL_MAX?: number;

  @IntegerVar(0, 1000)
  DB_POOL_MIN?: number;

  @IntegerVar(0)
  DB_POOL_IDLE_TIMEOUT_MS?: number;

  @IntegerVar(1)
  DB_CONNECT_TIMEOUT_MS?: number;

  @BooleanVar()
  DB_REQUIRE_AT_STARTUP?: boolean;

  @IntegerVar(0, 100)
  DB_CONNECT_RETRY_ATTEMPTS?: number;

  @IntegerVar(1, 600_000)
  DB_CONNECT_RETRY_DELAY_MS?: number;

  @IntegerVar(1, 600_000)
  DB_CONNECT_RETRY_MAX_DELAY_MS?: number;

  @IntegerVar(0, 600_000)
  SHUTDOWN_GRACE_MS?: number;

  @IntegerVar(0)
  DB_STATEMENT_TIMEOUT_MS?: number;

  @IntegerVar(0)
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS?: number;

  @OneOfVar(SSL_MODES)
  DB_SSL?: SslMode;

  @SecretVar('a PEM certificate or the path of an existing file holding one', (v) => isPem(v) || isFile(v))
  DB_SSL_CA?: string;

  @BooleanVar()
  DB_LOG_QUERIES?: boolean;

  @IntegerVar(0)
  DB_SLOW_QUERY_MS?: number;

  @StringVar(63)
  DB_APPLICATION_NAME?: string;

  @BooleanVar()
  DB_MIGRATIONS_RUN?: boolean;

  @IntegerVar(0)
  DB_MIGRATIONS_LOCK_TIMEOUT_MS?: number;

  @IntegerVar(0)
  DB_MIGRATIONS_TABLE_LOCK_TIMEOUT_MS?: number;

  @IntegerVar(0)
  DB_MIGRATIONS_STATEMENT_TIMEOUT_MS?: number;

  @BooleanVar()
  DB_MIGRATIONS_ALLOW_OUT_OF_ORDER?: boolean;

  @BooleanVar()
  DB_FAIL_ON_SCHEMA_DRIFT?: boolean;

  @BooleanVar()
  DB_PREPARED_STATEMENTS?: boolean;

  @OneOfVar(POOLER_MODES)
  DB_POOLER?: PoolerMode;

  @SecretVar('a postgres:// or postgresql:// URL with a host', (v) => parseConnectionUrl(v) !== undefined)
  DB_MIGRATIONS_URL?: string;

  @SecretVar('a secret of at least 32 characters', (v) => v.length >= 32)
  PAGINATION_CURSOR_SECRET?: string;

  @BooleanVar()
  DB_LOG_PARAMETERS?: boolean;

  @SecretVar(`a comma-separated list of 1 to ${MAX_READ_REPLICAS} postgres:// URLs with a host`, isReplicaUrlList)
  DB_READ_REPLICA_URLS?: string;

  @IntegerVar(1, 3_600_000)
  DB_REPLICA_MAX_LAG_MS?: number;

  @IntegerVar(50, 60_000)
  DB_REPLICA_CHECK_INTERVAL_MS?: number;

  @IntegerVar(1, 1000)
  DB_REPLICA_POOL_MAX?: number;

  @IntegerVar(1, 60_000)
  HEALTH_PING_TIMEOUT_MS?: number;

  @BooleanVar()
  HEALTH_FAIL_ON_PENDING_MIGRATIONS?: boolean;

  @IntegerVar(0, 300_000)
  HEALTH_SHUTDOWN_DELAY_MS?: number;
}

/** Names of the variables {@link DatabaseEnvironment} reads. */
export const DATABASE_ENV_VARIABLES = [...EXPECTED.keys()];

function describe(key: string, value: unknown): string {
  const expected = EXPECTED.get(key) ?? 'a valid value';
  if (SECRET.has(key) || value === undefined) return `must be ${expected} (value hidden)`;
  return `must be ${expected} (got ${JSON.stringify(String(value).slice(0, 80))})`;
}

function crossFieldProblems(env: DatabaseEnvironment, invalid: Set<string>, requireTarget: boolean): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const valid = (key: keyof DatabaseEnvironment) => env[key] !== undefined && !invalid.has(key);
  const poolMax = valid('DB_POOL_MAX') ? env.DB_POOL_MAX! : DEFAULT_POOL_MAX;
  if (valid('DB_POOL_MIN') && !invalid.has('DB_POOL_MAX') && env.DB_POOL_MIN! > poolMax) {
    problems.push({ variable: 'DB_POOL_MIN', expected: `must not exceed DB_POOL_MAX (${poolMax})` });
  }
  problems.push(...poolerProblems(env, valid));
  if (requireTarget && env.DATABASE_URL === undefined && env.DB_HOST === undefined) {
    problems.push({
      variable: 'DATABASE_URL',
      expected: 'must be set (or DB_HOST with DB_PORT, DB_NAME, DB_USER, DB_PASSWORD) to say which PostgreSQL to use',
    });
  }
  return problems;
}

function poolerProblems(env: DatabaseEnvironment, valid: (key: keyof DatabaseEnvironment) => boolean): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (
    valid('DB_POOLER') &&
    env.DB_POOLER === 'transaction' &&
    valid('DB_PREPARED_STATEMENTS') &&
    env.DB_PREPARED_STATEMENTS
  ) {
    problems.push({
      variable: 'DB_PREPARED_STATEMENTS',
      expected:
        'must not be true with DB_POOLER=transaction: a named prepared statement lives on one server connection, and ' +
        'the pooler hands the next transaction another ("prepared statement … does not exist" or "already exists"). ' +
        'Leave DB_PREPARED_STATEMENTS unset (off with DB_POOLER=transaction) or set it to false',
    });
  }
  if (valid('DB_MIGRATIONS_URL') && new URL(env.DB_MIGRATIONS_URL!).search !== '') {
    problems.push({
      variable: 'DB_MIGRATIONS_URL',
      expected:
        'must carry no parameters (sslmode, …): migrations connect with the TLS settings of the app (DB_SSL, ' +
        "DB_SSL_CA, or DATABASE_URL's sslmode) (value hidden)",
    });
  }
  return problems;
}

/** Options of {@link validateDatabaseEnvironment}. */
export interface ValidateEnvironmentOptions {
  /** Also require DATABASE_URL or DB_HOST. Default: false. */
  requireTarget?: boolean;
}

/**
 * Validates the database variables of `env` and returns them typed.
 * Empty strings count as unset. Throws {@link DatabaseConfigError} naming every bad variable.
 */
export function validateDatabaseEnvironment(
  env: NodeJS.ProcessEnv,
  options: ValidateEnvironmentOptions = {},
): DatabaseEnvironment {
  const plain: Record<string, string> = {};
  for (const key of DATABASE_ENV_VARIABLES) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') plain[key] = value;
  }
  const typed = plainToInstance(DatabaseEnvironment, plain);
  const errors = validateSync(typed, { forbidUnknownValues: false });
  const problems: ConfigProblem[] = errors.map((e) => ({
    variable: e.property,
    expected: describe(e.property, plain[e.property]),
  }));
  const invalid = new Set(problems.map((p) => p.variable));
  problems.push(...crossFieldProblems(typed, invalid, options.requireTarget ?? false));
  problems.push(...tlsProblems(typed, invalid), ...productionPolicyProblems(typed, invalid));
  problems.push(...replicaUrlProblems(typed, invalid));
  if (problems.length > 0) throw new DatabaseConfigError(problems);
  return typed;
}
