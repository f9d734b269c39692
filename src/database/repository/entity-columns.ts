import type { DataSource, EntityMetadata } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { quoteIdentifier } from '../sql/quote-identifier';

/** How a column's values are parsed from query text and compared. */
export type ValueKind = 'uuid' | 'integer' | 'number' | 'time' | 'enum' | 'text' | 'boolean' | 'json';

/** @internal What the repository needs to know of one column. */
export interface ColumnInfo {
  property: string;
  /** Quoted SQL identifier, from metadata only. */
  sql: string;
  kind: ValueKind;
  nullable: boolean;
  enumValues?: readonly string[];
  maxLength?: number;
  metadata: ColumnMetadata;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^-?\d{1,15}$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

/** @internal Whether `value` is a uuid in canonical text form. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

function kindOf(column: ColumnMetadata): ValueKind {
  const type = typeof column.type === 'function' ? column.type.name.toLowerCase() : String(column.type).toLowerCase();
  if (type === 'uuid') return 'uuid';
  if (type === 'enum' || type === 'simple-enum') return 'enum';
  if (/^(smallint|int|int2|int4|integer)$/.test(type) || (type === 'number' && column.isVersion)) return 'integer';
  if (/^(bigint|int8|numeric|decimal|real|float|double precision|number)$/.test(type)) return 'number';
  if (/timestamp|date/.test(type)) return 'time';
  if (/^(bool|boolean)$/.test(type)) return 'boolean';
  if (/json/.test(type)) return 'json';
  return 'text';
}

/** @internal Column facts of an entity, keyed by property name. */
export function entityColumns(metadata: EntityMetadata): Map<string, ColumnInfo> {
  const columns = new Map<string, ColumnInfo>();
  for (const column of metadata.columns) {
    columns.set(column.propertyName, {
      property: column.propertyName,
      sql: quoteIdentifier(column.databaseName),
      kind: kindOf(column),
      nullable: column.isNullable,
      enumValues: column.enum?.map(String),
      maxLength: column.length ? Number(column.length) : undefined,
      metadata: column,
    });
  }
  return columns;
}

/**
 * @internal Parses one query-text value for a column; returns `undefined` when it does not fit,
 * so the caller can name the parameter in a 400.
 */
export function parseValue(column: ColumnInfo, text: string): unknown {
  switch (column.kind) {
    case 'uuid':
      return UUID.test(text) ? text.toLowerCase() : undefined;
    case 'integer':
      return INTEGER.test(text) ? Number(text) : undefined;
    case 'number':
      return NUMBER.test(text) ? text : undefined;
    case 'time':
      return ISO_TIME.test(text) && !Number.isNaN(Date.parse(text)) ? text : undefined;
    case 'enum':
      return column.enumValues?.includes(text) ? text : undefined;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'text':
      return text.length <= (column.maxLength ?? 10_000) && !text.includes('\u0000') ? text : undefined;
    default:
      return undefined;
  }
}

/** @internal Words for a 400 saying what a column's values look like. */
export function describeKind(column: ColumnInfo): string {
  switch (column.kind) {
    case 'uuid':
      return 'a uuid';
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'time':
      return 'an ISO 8601 date-time';
    case 'enum':
      return `one of ${column.enumValues?.join(', ')}`;
    case 'boolean':
      return 'true or false';
    default:
      return `text of at most ${column.maxLength ?? 10_000} characters, without NUL`;
  }
}

/** @internal The SQL array type of a column, for `unnest($n::type[])` in multi-row inserts. */
export function arrayType(dataSource: DataSource, column: ColumnInfo): string {
  const c = column.metadata;
  if (column.kind === 'enum') return `${c.enumName ? quoteIdentifier(c.enumName) : 'text'}[]`;
  return `${dataSource.driver.normalizeType(c)}[]`;
}
