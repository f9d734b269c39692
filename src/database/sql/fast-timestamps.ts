import { createRequire } from 'node:module';
import { types } from 'pg';
import type { CustomTypesConfig } from 'pg';

/** pg's stock timestamp parser (`postgres-date`, as pg's own `pg-types` loads it). */
const fromPg = createRequire(require.resolve('pg'));
const parseStockDate = createRequire(fromPg.resolve('pg-types'))('postgres-date') as (text: string) => unknown;

const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/** Character code of `0`. */
const ZERO = 48;
/** Character codes of the date-time separators: PostgreSQL's text form, JSON's. */
const SPACE = 32;
export const ISO_T = 84;

/** The digits of `text` from `start` to `end` (exclusive) as a number, or -1 when one is not a digit. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A timestamp as PostgreSQL writes it with `DateStyle` ISO (`2026-12-02 05:16:45.123456+00`,
 * `+05:30`, or no offset for `timestamp`), parsed by reading characters instead of pg's stock
 * parser's three regular expressions; the Date is computed by the same calls as that parser's
 * (`Date.UTC` or the local-time constructor, the same whole milliseconds), so it is
 * the same instant. Anything else (years before 1000 or past 9999, BC, infinity, offsets with
 * seconds) is left to the stock parser: `undefined`. JSON writes the same fields with a `T`
 * between date and time (`separator`, included rows).
 *
 * @internal
 */
export function parseIsoTimestamp(text: string, zoned: boolean, separator = SPACE): Date | undefined {
  // `YYYY-MM-DD HH:MM:SS` is 19 characters.
  if (text.length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== separator) {
    return undefined;
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (year < 1000 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    let end = at + 1;
    while (end < text.length && digits(text, end, end + 1) >= 0) end++;
    // PostgreSQL writes 1 to 6 digits. Their first three, as an integer, are what the stock
    // parser's `Date.UTC(…, 1000 * parseFloat(fraction))` keeps (checked for every fraction of
    // 1 to 6 digits): Date.UTC truncates milliseconds.
    const length = end - at - 1;
    if (length < 1 || length > 6) return undefined;
    ms = length >= 3 ? digits(text, at + 1, at + 4) : digits(text, at + 1, end) * (length === 1 ? 100 : 10);
    at = end;
  }
  if (!zoned) return at === text.length ? new Date(year, month - 1, day, hour, minute, second, ms) : undefined;
  // `+HH` or `+HH:MM`, as PostgreSQL writes an offset (seconds in an offset go to the stock parser).
  const sign = text.charCodeAt(at);
  if (sign !== 43 && sign !== 45) return undefined;
  const offsetHours = digits(text, at + 1, at + 3);
  let offsetMinutes = 0;
  if (offsetHours < 0) return undefined;
  if (text.length === at + 6 && text.charCodeAt(at + 3) === 58) offsetMinutes = digits(text, at + 4, at + 6);
  else if (text.length !== at + 3) return undefined;
  if (offsetMinutes < 0) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
  const offset = (sign === 43 ? 1 : -1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  if (offset !== 0) date.setTime(date.getTime() - offset);
  return date;
}

const parseTimestamptz = (text: string) => parseIsoTimestamp(text, true) ?? parseStockDate(text);
const parseTimestamp = (text: string) => parseIsoTimestamp(text, false) ?? parseStockDate(text);

/**
 * @internal pg's type parsers, with `timestamp` and `timestamptz` read faster while pg's own
 * parser for them is the stock one (an app's `types.setTypeParser` for them is kept as it is).
 * Passed as a query's `types`: pg asks it once per column of each result, not per row.
 */
export const fastTimestampTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const parser = types.getTypeParser(oid, format ?? 'text');
    if ((format ?? 'text') !== 'text' || parser !== parseStockDate) return parser;
    if (oid === TIMESTAMPTZ) return parseTimestamptz;
    if (oid === TIMESTAMP) return parseTimestamp;
    return parser;
  }) as CustomTypesConfig['getTypeParser'],
};

/** @internal The two parsers, for tests comparing them with pg's stock parser. */
export const fastTimestampParsers = { timestamptz: parseTimestamptz, timestamp: parseTimestamp };
