import { types } from 'pg';
import type { Driver } from 'typeorm';
import type { ColumnInfo } from './entity-columns';
import { ISO_T, parseIsoTimestamp } from '../sql/fast-timestamps';

/** Types whose JSON value is what pg itself answers for the column (same JS type, same value). */
const JSON_NATIVE = new Set([
  'smallint',
  'integer',
  'real',
  'double precision',
  'boolean',
  'text',
  'character varying',
  'character',
  'citext',
  'uuid',
  'json',
  'jsonb',
  'oid',
]);

/** Types travelling as text inside the JSON, parsed by pg's own parser of their OID (scalar, array). */
const TEXT_PARSED: Record<string, readonly [number, number]> = {
  bigint: [20, 1016],
  numeric: [1700, 1231],
  'timestamp with time zone': [1184, 1185],
  'timestamp without time zone': [1114, 1115],
  date: [1082, 1182],
  bytea: [17, 1001],
  interval: [1186, 1187],
  'time without time zone': [1083, 1183],
  'time with time zone': [1266, 1270],
  money: [790, 791],
  point: [600, 1017],
  circle: [718, 719],
};

/** @internal A timestamp as JSON writes it (`2026-01-02T03:04:05.123456+00:00`, local time without an offset) → pg's value. */
export function fromIso(text: string): unknown {
  // An offset (`+00:00`) ends a timestamptz; a timestamp without time zone has none (local time).
  const sign = text.charCodeAt(text.length - 6);
  const zoned = (sign === 43 || sign === 45) && text.charCodeAt(text.length - 3) === 58;
  const fast = parseIsoTimestamp(text, zoned, ISO_T);
  if (fast) return fast;
  if (text === 'infinity') return Infinity;
  if (text === '-infinity') return -Infinity;
  // `0044-03-15T00:00:00+00:00 BC` is astronomical year -43, which Date reads in its 6-digit form.
  const bc = / BC$/.test(text) ? /^(\d+)(.*) BC$/.exec(text) : null;
  if (bc) return new Date(`-${String(Number(bc[1]) - 1).padStart(6, '0')}${bc[2]}`);
  return new Date(text);
}

/**
 * The fast reading of a timestamp column, when pg's parser for it is the stock one (`Date`, at
 * millisecond precision): JSON's ISO text read by {@link fromIso}, against 1 µs for pg's parser of
 * the text form. A probe decides, so an app's own parser (dates as strings, say) is kept.
 */
function isoDates(type: string): ((text: string) => unknown) | undefined {
  const oid = type === 'timestamp with time zone' ? 1184 : type === 'timestamp without time zone' ? 1114 : 0;
  if (!oid) return undefined;
  const offset = oid === 1184 ? '+00' : '';
  const parsed = (types.getTypeParser(oid, 'text') as (text: string) => unknown)(`2026-01-02 03:04:05.123456${offset}`);
  const expected = new Date(`2026-01-02T03:04:05.123456${offset && '+00:00'}`);
  return parsed instanceof Date && parsed.getTime() === expected.getTime() ? fromIso : undefined;
}

/**
 * @internal One column of an included row: its SQL inside `json_build_array` and how its JSON value
 * becomes what the parent's rows get from pg for the same column type.
 */
export interface IncludedField {
  property: string;
  /** `alias."column"` or `alias."column"::text`. */
  sql(alias: string): string;
  /** pg's parser of the column's type, for values sent as text (dates, bigints, numerics, …). */
  parse?: (text: string) => unknown;
  /** TypeORM's conversion on read, applied after `parse` as the parent's hydration does. */
  from?: (value: unknown) => unknown;
}

/**
 * @internal How a column travels in an included row. JSON turns a `timestamptz` into text and a
 * `bigint` into a lossy number, so every type JSON does not carry exactly is sent as its text form
 * and parsed with the parser pg uses for that type (an app's own `types.setTypeParser` included):
 * included rows get the same values as rows read directly.
 */
export function includedField(column: ColumnInfo, driver: Driver): IncludedField {
  const type = driver.normalizeType(column.metadata);
  const array = column.metadata.isArray;
  const native =
    JSON_NATIVE.has(type) || (type === 'enum' && !array) || type === 'simple-array' || type === 'simple-json';
  const property = column.property;
  const from = column.convert?.from;
  if (native) return { property, sql: (alias) => `${alias}.${column.sql}`, from };
  const iso = !array && isoDates(type);
  if (iso) return { property, sql: (alias) => `${alias}.${column.sql}`, parse: iso, from };
  const oids = TEXT_PARSED[type];
  const oid = oids ? oids[array ? 1 : 0] : undefined;
  const parser = oid === undefined ? undefined : (types.getTypeParser(oid, 'text') as (text: string) => unknown);
  return { property, sql: (alias) => `${alias}.${column.sql}::text`, parse: parser, from };
}

/** Sets one field of an included row on its entity, from the row's JSON value. */
type FieldReader = (entity: Record<string, unknown>, value: unknown) => void;

/** The reader of one field, specialised once to what the field needs (parse, TypeORM's `from`, neither). */
function fieldReader({ property, parse, from }: IncludedField): FieldReader {
  if (parse && from) {
    return (entity, value) => {
      entity[property] = from(value === null ? null : parse(value as string));
    };
  }
  if (parse) {
    return (entity, value) => {
      entity[property] = value === null ? null : parse(value as string);
    };
  }
  if (from) {
    return (entity, value) => {
      entity[property] = from(value);
    };
  }
  return (entity, value) => {
    entity[property] = value;
  };
}

/**
 * @internal The reader of an included row's own fields (a JSON array, in `fields` order) as an
 * entity of the class of `prototype`, compiled once per entity: one closure per field decided up
 * front, instead of testing each field's `parse` and `from` for every value of every row.
 */
export function rowReader(prototype: object, fields: IncludedField[]): (values: unknown[]) => Record<string, unknown> {
  const readers = fields.map(fieldReader);
  const count = readers.length;
  return (values) => {
    const entity = Object.create(prototype) as Record<string, unknown>;
    for (let i = 0; i < count; i++) readers[i](entity, values[i]);
    return entity;
  };
}
