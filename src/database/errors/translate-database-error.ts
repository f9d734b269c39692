import type { EntityMetadata } from 'typeorm';
import { CheckViolationError } from './check-violation.error';
import { DatabaseUnavailableError } from './database-unavailable.error';
import { DatabaseError } from './database.error';
import { EntityValidationError } from './entity-validation.error';
import { ForeignKeyViolationError } from './foreign-key-violation.error';
import { NotNullViolationError } from './not-null-violation.error';
import { QueryTimeoutError } from './query-timeout.error';
import { READ_ONLY_SQL_TRANSACTION } from './sql-state';
import { UniqueViolationError } from './unique-violation.error';
import { TenantViolationError } from '../tenancy/tenant.errors';
import { tenantProperty } from '../tenancy/tenant-column.decorator';

/** The fields of a `pg` error that the translation reads. */
interface PgErrorFields {
  code?: string;
  constraint?: string;
  column?: string;
  table?: string;
  detail?: string;
  message?: string;
}

const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /Client has encountered a connection error/i,
  /connection is not yet established|Cannot use a pool after calling end/i,
  // TypeORM before its DataSource connects (degraded start) or after it closed.
  /Driver not Connected|Connection with \w+ database is not established/i,
];

function pgFields(error: unknown): PgErrorFields | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const wrapped = (error as { driverError?: unknown }).driverError;
  return (wrapped && typeof wrapped === 'object' ? wrapped : error) as PgErrorFields;
}

function property(metadata: EntityMetadata | undefined, column: string): string {
  return metadata?.findColumnWithDatabaseName(column)?.propertyName ?? column;
}

/** Column names inside `Key (a, b)=(…)` of a 23505/23503 detail, never the values. */
function keyColumns(detail: string | undefined): string[] {
  const match = /^Key \(([^)]*)\)=/.exec(detail ?? '');
  return match ? match[1].split(',').map((c) => c.trim().replace(/^"|"$/g, '')) : [];
}

function uniqueFields(metadata: EntityMetadata | undefined, pg: PgErrorFields): string[] {
  const index =
    metadata?.indices.find((i) => i.name === pg.constraint) ?? metadata?.uniques.find((u) => u.name === pg.constraint);
  if (index) return index.columns.map((c) => c.propertyName);
  return keyColumns(pg.detail).map((c) => property(metadata, c));
}

function foreignKeyFields(metadata: EntityMetadata | undefined, pg: PgErrorFields): string[] {
  const fk = metadata?.foreignKeys.find((f) => f.name === pg.constraint);
  if (fk) return fk.columns.map((c) => c.propertyName);
  // The detail names the referencing columns only when the failing row is in this table.
  return !metadata || pg.table === metadata.tableName ? keyColumns(pg.detail).map((c) => property(metadata, c)) : [];
}

function checkFields(metadata: EntityMetadata | undefined, pg: PgErrorFields): string[] {
  const check = metadata?.checks.find((c) => c.name === pg.constraint);
  if (!check || !metadata) return [];
  return metadata.columns.filter((c) => check.expression.includes(`"${c.databaseName}"`)).map((c) => c.propertyName);
}

/**
 * Turns a driver error into the data layer's typed error, naming entity and fields from the
 * metadata. Values, SQL and constraint internals never reach the message. Anything it does not
 * recognise is returned unchanged.
 */
export function translateDatabaseError(error: unknown, metadata?: EntityMetadata): unknown {
  if (error instanceof DatabaseError) return error;
  const pg = pgFields(error);
  if (!pg) return error;
  const entity = metadata?.name ?? pg.table ?? 'row';
  const code = pg.code ?? '';
  switch (code) {
    case '23505':
      return UniqueViolationError.onColumns(entity, uniqueFields(metadata, pg), error);
    case '23503':
      return ForeignKeyViolationError.onColumns(entity, foreignKeyFields(metadata, pg), error);
    case '23502':
      return NotNullViolationError.onColumn(entity, pg.column ? property(metadata, pg.column) : undefined, error);
    case '23514':
      return CheckViolationError.onConstraint(entity, checkFields(metadata, pg), error);
    case '57014':
      return QueryTimeoutError.cancelled(error);
    case '42501':
      if (/row-level security/.test(pg.message ?? '')) {
        const target = metadata?.target;
        return TenantViolationError.onWrite(
          entity,
          typeof target === 'function' ? tenantProperty(target) : undefined,
          error,
        );
      }
  }
  if (code === READ_ONLY_SQL_TRANSACTION) {
    // A failover's window: the server is a standby, or a primary being demoted. Nothing was written.
    return DatabaseUnavailableError.because('the server takes no writes now (read-only, e.g. a standby)', error);
  }
  if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code)) {
    return DatabaseUnavailableError.because(code === '53300' ? 'too many connections' : 'connection lost', error);
  }
  if (code.startsWith('22')) {
    const field = pg.column ? property(metadata, pg.column) : 'value';
    return EntityValidationError.field(entity, field, 'has a value the database cannot store', error);
  }
  if (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_MESSAGES.some((m) => m.test(pg.message ?? ''))) {
    return DatabaseUnavailableError.because(
      /timeout exceeded/i.test(pg.message ?? '') ? 'no connection free in time' : 'connection failed',
      error,
    );
  }
  return error;
}
