import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** Settings of {@link DatabaseLogger}. */
export interface DatabaseLoggerOptions {
  /** Log every statement (`DB_LOG_QUERIES`). */
  logQueries: boolean;
  /** Show bound parameter values in query lines (`DB_LOG_PARAMETERS`); redacted otherwise. Default: false. */
  logParameters?: boolean;
}

const MAX_STATEMENT_LENGTH = 2_000;
const MAX_PARAMETER_LENGTH = 200;
const MAX_PARAMETERS_SHOWN = 20;

function statement(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_STATEMENT_LENGTH ? `${flat.slice(0, MAX_STATEMENT_LENGTH)}…` : flat;
}

function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/**
 * SQLSTATEs of failures the caller caused, which reach it as 400/409/422 (see translateDatabaseError),
 * and of those a transaction runs again (serialization failure, deadlock; each retry is logged by
 * the transaction manager). Besides these, class 22 (data exceptions, 400).
 */
const EXPECTED_SQLSTATES = new Set(['23505', '23503', '23502', '23514', '40001', '40P01']);

/**
 * @internal Whether a failed statement is an outcome of normal operation rather than a server-side
 * fault: logged at debug (like Spring's translated constraint violations), not error.
 */
export function isExpectedFailure(sqlState: string): boolean {
  return sqlState.startsWith('22') || EXPECTED_SQLSTATES.has(sqlState);
}

/** pg's message; data exceptions (class 22) quote the offending input, a parameter value, so it is redacted too. */
function errorMessage(error: unknown, showParameters: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  return showParameters || !sqlState(error).startsWith('22') ? message : message.replace(/"[^"]*"/g, '"<redacted>"');
}

function parameterValue(value: unknown): string {
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  let text: string;
  try {
    text = typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = '<unprintable>'; // circular structures; a logger never throws
  }
  return text.length > MAX_PARAMETER_LENGTH ? `${text.slice(0, MAX_PARAMETER_LENGTH)}…` : text;
}

/** @internal ` [$1=…, $2=…]` when parameters are shown, else ` [N parameter(s) redacted]`. */
export function describeParameters(parameters: unknown[] | undefined, show: boolean): string {
  if (!parameters?.length) return '';
  if (!show) return ` [${parameters.length} parameter(s) redacted]`;
  const shown = parameters.slice(0, MAX_PARAMETERS_SHOWN).map((v, i) => `$${i + 1}=${parameterValue(v)}`);
  const more = parameters.length > MAX_PARAMETERS_SHOWN ? `, … ${parameters.length - MAX_PARAMETERS_SHOWN} more` : '';
  return ` [${shown.join(', ')}${more}]`;
}

/**
 * TypeORM logger that writes through Nest's Logger: statements, slow ones at warn with their
 * duration, failures with their SQLSTATE: at error, except those the caller caused or that are
 * retried (unique, foreign key, not-null, check violations, data exceptions, serialization
 * failures, deadlocks), which are answered 4xx or run again and logged at debug. Parameters carry user data and secrets (a password hash,
 * a token), so only their count is shown unless `logParameters` (`DB_LOG_PARAMETERS=true`) opts in.
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  constructor(private readonly options: DatabaseLoggerOptions) {}

  logQuery(query: string, parameters?: unknown[]): void {
    if (!this.options.logQueries) return;
    this.logger.log(`query: ${statement(query)}${this.params(parameters)}`);
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown[]): void {
    const code = sqlState(error);
    const line = `query failed (SQLSTATE ${code}): ${errorMessage(error, this.showParameters)} -- ${statement(query)}${this.params(parameters)}`;
    // A duplicate key is a 409 for the caller, not a fault of the server: debug; the rest stays at error.
    if (isExpectedFailure(code)) this.logger.debug(line);
    else this.logger.error(line);
  }

  logQuerySlow(time: number, query: string, parameters?: unknown[]): void {
    this.logger.warn(`slow query (${time} ms): ${statement(query)}${this.params(parameters)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    // TypeORM's info/log lines (glob matches, migration counts) are detail, not news.
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }

  private get showParameters(): boolean {
    return this.options.logParameters ?? false;
  }

  private params(parameters?: unknown[]): string {
    return describeParameters(parameters, this.showParameters);
  }
}
