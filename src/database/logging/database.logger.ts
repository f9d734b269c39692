import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** Settings of {@link DatabaseLogger}. */
export interface DatabaseLoggerOptions {
  /** Log every statement (`DB_LOG_QUERIES`). */
  logQueries: boolean;
}

const MAX_STATEMENT_LENGTH = 2_000;

function statement(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_STATEMENT_LENGTH ? `${flat.slice(0, MAX_STATEMENT_LENGTH)}…` : flat;
}

function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * TypeORM logger that writes through Nest's Logger. Statements are logged, parameters never are:
 * they carry user data and secrets (a password hash, a token), so only their count is shown.
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new NestLogger('Database');

  constructor(private readonly options: DatabaseLoggerOptions) {}

  logQuery(query: string, parameters?: unknown[]): void {
    if (!this.options.logQueries) return;
    this.logger.log(`query: ${statement(query)}${this.params(parameters)}`);
  }

  logQueryError(error: string | Error, query: string, parameters?: unknown[]): void {
    this.logger.error(
      `query failed (SQLSTATE ${sqlState(error)}): ${errorMessage(error)} -- ${statement(query)}${this.params(parameters)}`,
    );
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

  private params(parameters?: unknown[]): string {
    return parameters?.length ? ` [${parameters.length} parameter(s) redacted]` : '';
  }
}
