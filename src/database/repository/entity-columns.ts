import type { DataSource, EntityMetadata } from 'typeorm';
import type { Driver } from 'typeorm/driver/Driver';
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
  /** Smallest and largest value of an integer type (smallint, integer, bigint). */
  bounds?: readonly [bigint, bigint];
  /** TypeORM selects it (`select: false` columns are written but never read back into entities). */
  select: boolean;
  /** A relation's join column without a column property of its own (`owner` of `@ManyToOne() owner`). */
  relationOnly: boolean;
  /**
   * TypeORM's own conversion of the column's values, for the columns where it is not the identity
   * (a transformer; `date`, `simple-json`, … types): applied where TypeORM applies it.
   */
  convert?: { from(value: unknown): unknown; to(value: unknown): unknown };
  metadata: ColumnMetadata;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^-?\d{1,15}$/;
const NUMBER = /^-?\d+(\.\d+)?$/;
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2})(?::?(\d{2}))?)?)?$/;
const INT16: readonly [bigint, bigint] = [-(2n ** 15n), 2n ** 15n - 1n];
const INT32: readonly [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n];
const INT64: readonly [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];

/** @internal Whether `value` is a uuid in canonical text form. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

const typeOf = (column: ColumnMetadata) =>
  typeof column.type === 'function' ? column.type.name.toLowerCase() : String(column.type).toLowerCase();

/** Text types whose output is their `::text` (not `char(n)`, whose cast drops the padding). */
const PLAIN_TEXT = /^(text|varchar|character varying|citext|string)$/;

/**
 * @internal Whether the text the server sends for the column's values (its type's output function)
 * is what `column::text` gives: true of uuids, numbers, enums, timestamps, dates and plain text;
 * not of `boolean` (`t` against `true`), `char(n)`, `inet` and other types with a cast of their own.
 */
export function sentAsItsText(column: ColumnInfo): boolean {
  if (column.kind === 'text') return PLAIN_TEXT.test(typeOf(column.metadata));
  return column.kind !== 'boolean' && column.kind !== 'json';
}

function kindOf(column: ColumnMetadata): ValueKind {
  const type = typeOf(column);
  if (type === 'uuid') return 'uuid';
  if (type === 'enum' || type === 'simple-enum') return 'enum';
  // A `number` property without a type is an `integer` column in PostgreSQL (TypeORM's mapping).
  if (/^(smallint|int|int2|int4|integer|number)$/.test(type)) return 'integer';
  if (/^(bigint|int8|numeric|decimal|real|float|double precision|number)$/.test(type)) return 'number';
  if (/timestamp|date/.test(type)) return 'time';
  if (/^(bool|boolean)$/.test(type)) return 'boolean';
  if (/json/.test(type)) return 'json';
  return 'text';
}

/** The range of an integer column type (a version column is an integer). */
function boundsOf(column: ColumnMetadata): readonly [bigint, bigint] | undefined {
  const type = typeOf(column);
  if (/^(smallint|int2)$/.test(type)) return INT16;
  if (/^(int|int4|integer|number)$/.test(type)) return INT32;
  if (/^(bigint|int8)$/.test(type)) return INT64;
  return undefined;
}

/**
 * Whether an ISO 8601 text PostgreSQL also reads as that instant: a real calendar day of year 1 or
 * later, a time of day up to 23:59:59, an offset up to ±15:59. `Date.parse` alone is laxer: it
 * rolls 2020-02-30 over to March 1 and takes year 0 and a +16:00 offset, which PostgreSQL refuses.
 */
function isIsoTime(text: string): boolean {
  const match = ISO_TIME.exec(text);
  if (!match || Number.isNaN(Date.parse(text))) return false;
  const [year, month, day, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month! - 1];
  return (
    year! >= 1 &&
    month! >= 1 &&
    month! <= 12 &&
    day! >= 1 &&
    day! <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

/** Whether a numeric text fits the column's type: an integer type's range, a float's finite range. */
function fitsNumber(column: ColumnInfo, text: string): boolean {
  if (column.bounds) {
    if (!/^-?\d+$/.test(text)) return false;
    const value = BigInt(text);
    return value >= column.bounds[0] && value <= column.bounds[1];
  }
  const type = typeOf(column.metadata);
  if (/^(real|float4)$/.test(type)) return Math.abs(Number(text)) <= 3.4e38;
  if (/^(float|float8|double precision)$/.test(type)) return Number.isFinite(Number(text));
  const { precision, scale } = column.metadata;
  return !precision || text.replace(/^-/, '').split('.')[0].replace(/^0+/, '').length <= precision - (scale ?? 0);
}

/** Types whose values TypeORM's PostgreSQL driver converts on the way in or out (see `prepareHydratedValue`). */
const CONVERTED_TYPES = new Set([
  'date',
  'time',
  'simple-array',
  'simple-json',
  'hstore',
  'cube',
  'vector',
  'halfvec',
  'ltree',
]);

/** TypeORM's conversion of a column's values, when it is not the identity for what pg returns. */
function conversionOf(column: ColumnMetadata, driver: Driver): ColumnInfo['convert'] {
  const type = typeof column.type === 'string' ? column.type : '';
  const enumArray = column.isArray && (type === 'enum' || type === 'simple-enum');
  if (!column.transformer && !CONVERTED_TYPES.has(type) && !enumArray) return undefined;
  return {
    from: (value) => driver.prepareHydratedValue(value, column),
    to: (value) => driver.preparePersistentValue(value, column),
  };
}

/**
 * @internal Column facts of an entity, keyed by property name, computed once. `@VirtualColumn`s
 * (computed by a query, not stored) are left out.
 */
export function entityColumns(metadata: EntityMetadata, driver: Driver): Map<string, ColumnInfo> {
  const columns = new Map<string, ColumnInfo>();
  for (const column of metadata.columns) {
    if (column.isVirtualProperty) continue;
    columns.set(column.propertyName, {
      property: column.propertyName,
      sql: quoteIdentifier(column.databaseName),
      kind: kindOf(column),
      nullable: column.isNullable,
      enumValues: column.enum?.map(String),
      maxLength: column.length ? Number(column.length) : undefined,
      bounds: boundsOf(column),
      select: column.isSelect,
      relationOnly: column.isVirtual && !!column.relationMetadata,
      convert: conversionOf(column, driver),
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
      return INTEGER.test(text) && fitsNumber(column, text) ? Number(text) : undefined;
    case 'number':
      return NUMBER.test(text) && fitsNumber(column, text) ? text : undefined;
    case 'time':
      return isIsoTime(text) ? text : undefined;
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
    case 'number':
      if (column.bounds) return `an integer from ${column.bounds[0]} to ${column.bounds[1]}`;
      return column.kind === 'integer' ? 'an integer' : 'a number';
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

/** @internal The quoted, schema-qualified table of an entity: `"billing"."invoices"`, or `"invoices"`. */
export function quoteTable(metadata: EntityMetadata): string {
  const table = quoteIdentifier(metadata.tableName);
  return metadata.schema ? `${quoteIdentifier(metadata.schema)}.${table}` : table;
}

/**
 * @internal Whether `id` can be a value of the key column at all (a uuid for a uuid key, an
 * integer in range for an integer key, …): when not, no row has it, and no SQL needs to run
 * (PostgreSQL would refuse the value instead of answering "none").
 */
export function keyAcceptor(column: ColumnInfo): (id: unknown) => boolean {
  switch (column.kind) {
    case 'uuid':
      return isUuid;
    case 'integer':
    case 'number':
    case 'text':
      return (id) =>
        (typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint') &&
        parseValue(column, String(id)) !== undefined;
    default:
      return (id) => id !== null && id !== undefined;
  }
}

/** @internal The SQL array type of a column, for `unnest($n::type[])` in multi-row inserts. */
export function arrayType(dataSource: DataSource, column: ColumnInfo): string {
  const c = column.metadata;
  if (column.kind === 'enum') return `${c.enumName ? quoteIdentifier(c.enumName) : 'text'}[]`;
  return `${dataSource.driver.normalizeType(c)}[]`;
}
