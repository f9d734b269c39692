import type { Statement } from '../sql/sql-executor';
import { ColumnInfo, sentAsItsText } from './entity-columns';
import { deferredPage } from './deep-offset-sql';
import type { EntitySql } from './entity-sql';
import type { IncludedRelation } from './include-plan';
import type { FilterCondition, ParsedListQuery } from './list-query';

/** @internal A list query in SQL: text with `$n` placeholders and the values to bind. */
export interface ListSql {
  text: string;
  values: unknown[];
  countText: string;
  countValues: unknown[];
  /** The page query and the count as prepared statements, when the entity still prepares new ones. */
  statement?: Statement;
  countStatement?: Statement;
}

/** Prefix of the extra columns carrying sort keys as text, for the next cursor (see {@link keyPositions}). */
export const KEY_ALIAS = '__key';

/**
 * @internal Where a cursor page's sort keys are read from its own columns (`SortKeyTexts`): each
 * key's position among `hydrated` (the select list), or undefined when they are selected again as
 * `column::text` (`KEY_ALIAS` columns): a nullable key (no parser sees a NULL), one not selected, or
 * one whose type's output is not its `::text`.
 */
export function keyPositions(
  query: ParsedListQuery,
  hydrated: readonly string[],
  columns: Map<string, ColumnInfo>,
): number[] | undefined {
  if (query.mode !== 'cursor') return undefined;
  const positions: number[] = [];
  for (const [property] of query.sort) {
    const column = columns.get(property)!;
    const at = hydrated.indexOf(property);
    if (at < 0 || column.nullable || !sentAsItsText(column)) return undefined;
    positions.push(at);
  }
  return positions;
}

/** Alias of a deep offset page's inner query. */
const PAGE_ALIAS = '"__page"';

/**
 * @internal Offsets from which a page is a deferred join ("late row lookup", `deep-offset-sql.ts`):
 * its keys are found first, by a subquery reading only the filters and the sort keys (an index-only
 * scan when one index holds them all), and only the page's rows are then read. Measured on the
 * example's tasks (1M rows, a partial index of live tasks by status): even at 2,000 rows skipped,
 * ahead from 5,000, 2.5x faster at 100,000; below 2,000 the noise of the machine was larger than
 * either way's gain.
 */
export const DEFERRED_JOIN_OFFSET = 2_000;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const COMPARATORS: Record<string, string> = { $eq: '=', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=' };

function condition(filter: FilterCondition, column: ColumnInfo, bind: (v: unknown) => string): string {
  const col = column.sql;
  const [first, second] = filter.values;
  let sql: string;
  switch (filter.operator) {
    case '$null':
      sql = `${col} IS NULL`;
      break;
    case '$in':
      sql = `${col} = ANY(${bind(filter.values)})`;
      break;
    case '$btw':
      sql = `${col} BETWEEN ${bind(first)} AND ${bind(second)}`;
      break;
    case '$ilike':
    case '$sw': {
      const pattern = filter.operator === '$sw' ? `${escapeLike(String(first))}%` : `%${escapeLike(String(first))}%`;
      sql = `${column.kind === 'text' ? col : `${col}::text`} ILIKE ${bind(pattern)}`;
      break;
    }
    default:
      sql = `${col} ${COMPARATORS[filter.operator]} ${bind(first)}`;
  }
  return filter.negate ? `NOT (${sql})` : sql;
}

/**
 * `EXISTS (…)`: the row has at least one related row (live, unless the query takes deleted rows)
 * matching every condition given on that relation.
 */
function relatedCondition(
  relation: IncludedRelation,
  filters: FilterCondition[],
  parent: string,
  alias: string,
  withDeleted: boolean,
  bind: (v: unknown) => string,
): string {
  const target = relation.target;
  const { from, where } = relation.source(alias, parent);
  const live = target.deletedAt && !withDeleted ? [`${alias}.${target.deletedAt} IS NULL`] : [];
  const conditions = filters.map((f) => {
    const column = target.columns.get(f.property)!;
    return condition(f, { ...column, sql: `${alias}.${column.sql}` }, bind);
  });
  return `EXISTS (SELECT 1 FROM ${from} WHERE ${[where, ...live, ...conditions].join(' AND ')})`;
}

/** `(a > $1) OR (a = $1 AND b < $2) …`, or one row comparison when every direction agrees. */
function keyset(sort: Array<[ColumnInfo, 'ASC' | 'DESC']>, after: string[], bind: (v: unknown) => string): string {
  const params = after.map((v) => bind(v));
  if (sort.every(([, d]) => d === sort[0][1])) {
    const op = sort[0][1] === 'ASC' ? '>' : '<';
    return `(${sort.map(([c]) => c.sql).join(', ')}) ${op} (${params.join(', ')})`;
  }
  const branches = sort.map(([column, direction], i) => {
    const equal = sort.slice(0, i).map(([c], j) => `${c.sql} = ${params[j]}`);
    return `(${[...equal, `${column.sql} ${direction === 'ASC' ? '>' : '<'} ${params[i]}`].join(' AND ')})`;
  });
  return `(${branches.join(' OR ')})`;
}

/** @internal Compiles a parsed list query for one entity. Identifiers come from metadata only. */
export function buildListSql(
  query: ParsedListQuery,
  sql: EntitySql,
  columns: Map<string, ColumnInfo>,
  options: {
    unbounded?: boolean;
    /** Another select list (`include` reads `table.*` and wraps the page). */
    select?: string;
    /** Wraps the page query (and only it, not the count). */
    wrap?: (text: string) => string;
    /** The `@Includable` relations, for `filter.<relation>.<field>`. */
    relation?: (property: string) => IncludedRelation | undefined;
    /**
     * A cursor page whose next cursor's keys cannot be read from its own columns ({@link keyPositions}):
     * they are selected again as `::text` columns.
     */
    textKeys?: boolean;
  } = {},
): ListSql {
  const values: unknown[] = [];
  const bind = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (sql.deletedAt && query.onlyDeleted) where.push(`${sql.deletedAt} IS NOT NULL`);
  else if (sql.deletedAt && !query.withDeleted) where.push(`${sql.deletedAt} IS NULL`);
  const related = new Map<string, FilterCondition[]>();
  for (const filter of query.filters) {
    if (filter.relation === undefined) where.push(condition(filter, columns.get(filter.property)!, bind));
    else related.set(filter.relation, [...(related.get(filter.relation) ?? []), filter]);
  }
  let n = 0;
  for (const [property, filters] of related) {
    where.push(relatedCondition(options.relation!(property)!, filters, sql.table, `f${n++}`, query.withDeleted, bind));
  }
  const countValues = [...values];
  const countWhere = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  const sort = query.sort.map(([p, d]) => [columns.get(p)!, d] as [ColumnInfo, 'ASC' | 'DESC']);
  if (query.mode === 'cursor' && query.after) where.push(keyset(sort, query.after, bind));
  const keys = options.textKeys ? sort.map(([c], i) => `, ${c.sql}::text AS "${KEY_ALIAS}${i}"`).join('') : '';
  const order = sort.map(([c, d]) => `${c.sql} ${d}`).join(', ');
  const from = `${sql.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  let page = `SELECT ${options.select ?? sql.selectList}${keys} FROM ${from} ORDER BY ${order}`;
  if (!options.unbounded) {
    // A literal (the parser made it an integer): bound, it makes the generic plan expect a tenth of
    // the table, so PostgreSQL keeps planning the statement anew on every execution.
    const limit = ` LIMIT ${query.limit + 1}`;
    const offset = query.mode === 'offset' ? (query.page - 1) * query.limit : 0;
    // A wrapped page (`include`) selects `table.*` and is projected by its wrapper already.
    if (offset === 0) page += limit;
    else if (offset >= DEFERRED_JOIN_OFFSET) {
      const select = options.select ?? sql.selectList;
      page = deferredPage(query, sql, columns, { select, where, sort, order, limit, offset: bind(offset) });
    } else if (options.wrap) page += `${limit} OFFSET ${bind(offset)}`;
    else {
      // The rows OFFSET skips leave the scan as the table's own tuples (`*`): only the page's rows
      // are projected to the select list (per row skipped, that projection cost the server ~70 ns).
      const outerOrder = sort.map(([c, d]) => `${PAGE_ALIAS}.${c.sql} ${d}`).join(', ');
      page =
        `SELECT ${sql.selectList} FROM (SELECT * FROM ${from} ORDER BY ${order}${limit} OFFSET ${bind(offset)})` +
        ` AS ${PAGE_ALIAS} ORDER BY ${outerOrder}`;
    }
  }
  const text = options.wrap ? options.wrap(page) : page;
  const countText = `SELECT count(*)::int AS total FROM ${sql.table}${countWhere}`;
  // A stream's text goes inside DECLARE … CURSOR: only pages are prepared.
  if (options.unbounded) return { text, values, countText, countValues };
  return {
    text,
    values,
    countText,
    countValues,
    statement: sql.listStatement('list', text),
    countStatement: query.mode === 'offset' && query.count ? sql.listStatement('count', countText) : undefined,
  };
}
