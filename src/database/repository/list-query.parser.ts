import { InvalidQueryError } from '../errors/invalid-query.error';
import { CursorCodec } from './cursor.codec';
import { ColumnInfo, describeKind, parseValue } from './entity-columns';
import {
  DEFAULT_LIMIT,
  FilterCondition,
  ListQueryInput,
  MAX_LIMIT,
  ParsedListQuery,
  SortDirection,
} from './list-query';
import type { IncludedEntity } from './include-plan';
import type { ParsedInclude } from './include.parser';
import { FILTER_OPERATORS, FilterOperator, QueryableOptions } from './queryable.decorator';

/** @internal What the parser may use: the entity's columns and its allow-list. */
export interface ListQueryContext {
  columns: Map<string, ColumnInfo>;
  allow: Map<string, QueryableOptions>;
  defaultSort: Array<[string, SortDirection]>;
  cursors: CursorCodec;
  /** The primary key's property: the sort's last key, so every order is total. */
  key: string;
  /** Whether the entity has a delete-date column (else `onlyDeleted` is refused). */
  softDeletable: boolean;
  /** Parses `include` against the entity's `@Includable` allow-list. */
  include?: (value: unknown) => ParsedInclude | undefined;
  /** An `@Includable` relation's entity, for `filter.<relation>.<field>` (its own `@Queryable` allow-list). */
  relation?: (property: string) => Pick<IncludedEntity, 'columns' | 'allow'> | undefined;
}

const HTTP_PARAMETERS = new Set([
  'limit',
  'page',
  'cursor',
  'sortBy',
  'withDeleted',
  'onlyDeleted',
  'count',
  'include',
]);
const MAX_FILTER_VALUES = 100;
/** Longest value of a filter operator other than `$eq` (which takes the column's own bound). */
const MAX_OPERATOR_VALUE = 1_000;

function fail(parameter: string, reason: string): never {
  throw new InvalidQueryError(parameter, reason);
}

function single(parameter: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') fail(parameter, 'must be given once, as a plain value');
  return value;
}

function integer(parameter: string, value: unknown, min: number, max: number, fallback: number): number {
  const text = single(parameter, value);
  if (text === undefined) return fallback;
  if (!/^\d{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
    fail(parameter, `must be an integer from ${min} to ${max}`);
  }
  return Number(text);
}

function flag(parameter: string, value: unknown): boolean {
  const text = single(parameter, value);
  if (text === undefined) return false;
  if (text !== 'true' && text !== 'false') fail(parameter, 'must be true or false');
  return text === 'true';
}

/**
 * Splits an HTTP query object (`filter.status=...`, `sortBy=...`) into a {@link ListQueryInput}.
 * Any parameter outside the grammar, or given in a shape it does not take, is a 400 naming it.
 */
export function listQueryFromHttp(raw: Record<string, unknown>): ListQueryInput {
  const input: ListQueryInput = {};
  // No prototype: `filter.__proto__` becomes a field name (then refused), not a prototype change.
  const filter: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of Object.entries(raw)) {
    const values = Array.isArray(value) ? value : [value];
    if (!values.every((v) => typeof v === 'string')) fail(key, 'must be plain text');
    if (key.startsWith('filter.') && key.length > 'filter.'.length) {
      filter[key.slice('filter.'.length)] = value as string | string[];
    } else if (HTTP_PARAMETERS.has(key)) {
      (input as Record<string, unknown>)[key] = value;
    } else {
      fail(
        key,
        'is not a query parameter here (limit, page, cursor, sortBy, filter.<field>, withDeleted, onlyDeleted, count, include)',
      );
    }
  }
  if (Object.keys(filter).length) input.filter = filter;
  return input;
}

function parseSort(input: ListQueryInput, ctx: ListQueryContext): Array<[string, SortDirection]> {
  const given = input.sortBy === undefined ? [] : Array.isArray(input.sortBy) ? input.sortBy : [input.sortBy];
  const sort: Array<[string, SortDirection]> = [];
  for (const item of given) {
    const [field, dir = 'ASC', extra] = Array.isArray(item) ? item : String(item).split(':');
    const direction = String(dir).toUpperCase();
    if (extra !== undefined || (direction !== 'ASC' && direction !== 'DESC'))
      fail('sortBy', 'must be field:ASC or field:DESC');
    if (!ctx.allow.get(field)?.sortable || !ctx.columns.has(field))
      fail('sortBy', `cannot sort by ${JSON.stringify(field.slice(0, 64))}`);
    if (sort.some(([f]) => f === field)) fail('sortBy', `${field} is given twice`);
    sort.push([field, direction as SortDirection]);
  }
  return sort.length ? sort : ctx.defaultSort;
}

function parseCondition(field: string, text: string, ctx: ListQueryContext): FilterCondition {
  const parameter = `filter.${field}`;
  const dot = field.indexOf('.');
  const relation = dot > 0 ? field.slice(0, dot) : undefined;
  const target = relation === undefined ? ctx : ctx.relation?.(relation);
  if (!target) fail(parameter, 'this field cannot be filtered');
  const property = relation === undefined ? field : field.slice(dot + 1);
  const column = target!.columns.get(property);
  const allowed = target!.allow.get(property)?.filter;
  if (!column || !allowed?.length) fail(parameter, 'this field cannot be filtered');
  let rest = text;
  let negate = false;
  let operator: FilterOperator = '$eq';
  const take = () => {
    const match = /^(\$[a-z]+)(?::|$)/.exec(rest);
    if (!match) return undefined;
    if (!(FILTER_OPERATORS as readonly string[]).includes(match[1])) fail(parameter, `unknown operator ${match[1]}`);
    rest = rest.slice(match[0].length);
    return match[1] as FilterOperator;
  };
  const first = take();
  if (first === '$not') {
    negate = true;
    operator = take() ?? '$eq';
    if (operator === '$not') fail(parameter, '$not cannot be repeated');
  } else if (first) operator = first;
  if (!allowed.includes(operator) || (negate && !allowed.includes('$not'))) {
    fail(
      parameter,
      `operator ${negate ? '$not:' : ''}${operator} is not allowed here (allowed: ${allowed.join(', ')})`,
    );
  }
  if (operator === '$null') {
    if (rest !== '') fail(parameter, '$null takes no value');
    return { property, relation, operator: '$null', negate, values: [] };
  }
  const texts = operator === '$in' || operator === '$btw' ? rest.split(',') : [rest];
  if (operator === '$btw' && texts.length !== 2) fail(parameter, '$btw takes two values: low,high');
  if (texts.length > MAX_FILTER_VALUES) fail(parameter, `at most ${MAX_FILTER_VALUES} values`);
  const values = texts.map((t) => {
    const value =
      operator === '$ilike' || operator === '$sw' ? (t.includes('\u0000') ? undefined : t) : parseValue(column, t);
    if (value === undefined) fail(parameter, `values must be ${describeKind(column)}`);
    if (typeof value === 'string' && value.length > MAX_OPERATOR_VALUE && operator !== '$eq') {
      fail(parameter, `values of ${operator} must be at most ${MAX_OPERATOR_VALUE} characters`);
    }
    return value;
  });
  return { property, relation, operator: operator as FilterCondition['operator'], negate, values };
}

/**
 * @internal The sort keys a cursor token carries, once it is checked to be one this service signed
 * for the same sort, filters and deletion scope; throws {@link InvalidQueryError} naming `cursor`.
 */
export function cursorKeys(
  token: string,
  query: Pick<ParsedListQuery, 'signature' | 'sort'>,
  cursors: CursorCodec,
): string[] {
  const payload = cursors.decode(token);
  if (!payload) fail('cursor', 'is not a cursor this service issued (forged or corrupted)');
  if (payload.query !== query.signature || payload.keys.length !== query.sort.length) {
    fail('cursor', 'was issued for a different sortBy, filter or deletion scope: start again with cursor=');
  }
  return payload.keys;
}

/** @internal Validates a list query against the entity's allow-list; throws {@link InvalidQueryError}. */
export function parseListQuery(input: ListQueryInput, ctx: ListQueryContext): ParsedListQuery {
  const limit = integer('limit', input.limit, 1, MAX_LIMIT, DEFAULT_LIMIT);
  const cursorText = single('cursor', input.cursor);
  if (cursorText !== undefined && input.page !== undefined) fail('page', 'cannot be combined with cursor');
  const page = integer('page', input.page, 1, 1_000_000_000, 1);
  const withDeleted = flag('withDeleted', input.withDeleted);
  const onlyDeleted = flag('onlyDeleted', input.onlyDeleted);
  if (onlyDeleted && !ctx.softDeletable) fail('onlyDeleted', 'these rows are never soft-deleted');
  const count = input.count === undefined ? true : flag('count', input.count);
  const sortBy = parseSort(input, ctx);
  const filters: FilterCondition[] = [];
  const echoFilter: Record<string, string | string[]> = {};
  for (const [field, value] of Object.entries(input.filter ?? {})) {
    const texts = Array.isArray(value) ? value : [value];
    for (const text of texts) {
      if (typeof text !== 'string') fail(`filter.${field}`, 'must be plain text');
      filters.push(parseCondition(field, text, ctx));
    }
    echoFilter[field] = value;
  }
  const sort = sortBy.some(([f]) => f === ctx.key)
    ? sortBy
    : [...sortBy, [ctx.key, sortBy.at(-1)?.[1] ?? 'ASC'] as [string, SortDirection]];
  const signature = JSON.stringify([
    sort,
    filters.map((f) => [f.relation ? `${f.relation}.${f.property}` : f.property, f.operator, f.negate, f.values]),
    withDeleted,
    onlyDeleted,
  ]);
  const after = cursorText ? cursorKeys(cursorText, { signature, sort }, ctx.cursors) : undefined;
  if (cursorText !== undefined) {
    const nullable = sort.find(([f]) => ctx.columns.get(f)?.nullable);
    if (nullable) fail('sortBy', `${nullable[0]} can be empty, so it cannot order cursor pages; use page instead`);
  }
  return {
    limit,
    mode: cursorText === undefined ? 'offset' : 'cursor',
    page,
    after,
    sort,
    filters,
    withDeleted: withDeleted || onlyDeleted,
    onlyDeleted,
    count,
    echo: { sortBy, filter: echoFilter },
    signature,
    include: input.include === undefined ? undefined : ctx.include?.(input.include),
  };
}
