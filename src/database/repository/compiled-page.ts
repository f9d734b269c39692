import type { QueryResultRow } from 'pg';
import type { ColumnParsers } from '../sql/sql-executor';
import type { ListQueryInput, ParsedListQuery } from './list-query';
import type { ListSql } from './list-sql';
import type { CursorCodec } from './cursor.codec';
import type { LinkPrefix } from './page-links';
import { cursorKeys } from './list-query.parser';

/**
 * @internal A list input compiled once: parsed against the allow-list, its SQL built and its
 * statement named, and how its rows become entities. What `paginate` did on every call before the
 * statement went out (8 µs warm, 50 µs and more after a round trip's wait had cooled the caches).
 */
export interface CompiledPage<T> {
  query: ParsedListQuery;
  sql: ListSql;
  hydrate: (row: QueryResultRow) => T;
  /** Rows come as arrays whose sort keys (as `::text` columns) start at this index (see `runPage`). */
  firstKey: number;
  /** The included relations' column parsers, when the page includes some. */
  parsers?: ColumnParsers;
  /**
   * A cursor page whose sort keys are read from the rows' own columns as the server sent them
   * (`SortKeyTexts`): their positions in the select list. Otherwise they are `::text` columns.
   */
  keys?: { positions: readonly number[] };
  /**
   * A page after a cursor: the statement's values from this index on are the cursor's sort keys,
   * taken from each call's own token (`pageValues`); the compiled `sql.values` hold the first call's.
   */
  afterAt?: number;
  /** Its links' part before the position, for the last path asked (`pageLinks`). */
  linkPrefix?: LinkPrefix;
}

/** Distinct list inputs compiled and kept per entity; later ones are compiled on every call. */
export const MAX_COMPILED_PAGES = 64;

/** The key part of one value, or undefined when it is not plain data (then the input is not kept). */
function keyOf(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
      return String(value);
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (const item of value) {
          const key = keyOf(item);
          if (key === undefined) return undefined;
          items.push(key);
        }
        return `[${items.join(',')}]`;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return undefined;
      let out = '{';
      for (const [name, item] of Object.entries(value)) {
        if (item === undefined) continue;
        const key = keyOf(item);
        if (key === undefined) return undefined;
        out += `${JSON.stringify(name)}:${key},`;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

/**
 * @internal The key a compiled list input is kept under: its plain values (text, finite numbers,
 * booleans, arrays and plain objects of them; `3` and `'3'` apart), or undefined, compiled on every
 * call (a `Date`, a class instance: what the parser refuses or reads its own way). A cursor token is
 * not part of it: every page after a cursor of the same query is one statement, the token's keys
 * its last values, checked on each call (`pageValues`).
 */
export function compiledPageKey(input: ListQueryInput): string | undefined {
  const { cursor } = input;
  if (cursor === undefined || cursor === '') return keyOf(input);
  if (typeof cursor !== 'string') return undefined;
  const rest = keyOf({ ...input, cursor: undefined });
  return rest === undefined ? undefined : `after ${rest}`;
}

/** @internal The statement's values for this call: after a cursor, with this call's token's keys. */
export function pageValues<T>(page: CompiledPage<T>, cursor: string, cursors: CursorCodec): unknown[] {
  const { afterAt, sql } = page;
  if (afterAt === undefined) return sql.values;
  return [...sql.values.slice(0, afterAt), ...cursorKeys(cursor, page.query, cursors)];
}

/** @internal A page's `meta.sortBy` and `meta.filter`: copies, so a caller's changes never reach the compiled query. */
export function echoOf(query: ParsedListQuery): ParsedListQuery['echo'] {
  const filter: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(query.echo.filter))
    filter[name] = Array.isArray(value) ? [...value] : value;
  return { sortBy: query.echo.sortBy.map(([property, direction]) => [property, direction]), filter };
}
