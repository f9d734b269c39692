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

/** Whether a character code is a digit (false for the NaN of a position past the end). */
const isDigit = (code: number) => code >= ZERO && code <= ZERO + 9;

/** The two digits of `text` at `at` as a number, or -1 when one is not a digit. */
function pair(text: string, at: number): number {
  const tens = text.charCodeAt(at) - ZERO;
  const ones = text.charCodeAt(at + 1) - ZERO;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/**
 * A timestamp as PostgreSQL writes it with `DateStyle` ISO (`2026-12-02 05:16:45.123456+00`,
 * `+05:30`, or no offset for `timestamp`), parsed by reading characters instead of pg's stock
 * parser's three regular expressions; the Date is the instant that parser computes (what its
 * `Date.UTC` call gives, by integer arithmetic, or the same local-time constructor; the same whole
 * milliseconds). Anything else (years before 1000 or past 9999, BC, infinity, offsets with
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
  const century = pair(text, 0);
  const year = century * 100 + pair(text, 2);
  const month = pair(text, 5);
  const day = pair(text, 8);
  const hour = pair(text, 11);
  const minute = pair(text, 14);
  const second = pair(text, 17);
  // Fields in range only (what PostgreSQL writes): `Date.UTC` would carry an overflow over.
  if (century < 10 || year < 1000 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    let end = at + 1;
    while (isDigit(text.charCodeAt(end))) end++;
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
  const offsetHours = pair(text, at + 1);
  let offsetMinutes = 0;
  if (offsetHours < 0) return undefined;
  if (text.length === at + 6 && text.charCodeAt(at + 3) === 58) offsetMinutes = pair(text, at + 4);
  else if (text.length !== at + 3) return undefined;
  if (offsetMinutes < 0) return undefined;
  const offset = (sign === 43 ? 1 : -1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(utcMilliseconds(year, month, day, hour, minute, second, ms) - offset);
}

/**
 * What `Date.UTC(year, month - 1, day, hour, minute, second, ms)` returns for the fields of a
 * valid timestamp (month 1–12, day 1–31), in integer arithmetic: the days since 1970-01-01 of the
 * proleptic Gregorian calendar (H. Hinnant's `days_from_civil`, the calendar ECMAScript's `MakeDay`
 * uses), half the cost of the call and the Date it builds before the offset is applied.
 */
function utcMilliseconds(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  // Years start in March, so February's leap day is the last day of the year.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  const days = era * 146_097 + dayOfEra - 719_468;
  return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
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
