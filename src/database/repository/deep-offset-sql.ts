import { quoteIdentifier } from '../sql/quote-identifier';
import type { ColumnInfo } from './entity-columns';
import type { EntitySql } from './entity-sql';
import type { ParsedListQuery } from './list-query';

type Sort = Array<[ColumnInfo, 'ASC' | 'DESC']>;

/** `"deleted_at" IS NULL`, `(deleted_at IS NULL)`, … as one text. */
const normalized = (condition: string) => condition.replace(/[\s()"]/g, '').toLowerCase();

/**
 * Whether one of the entity's declared indexes (or its primary key) holds the rows in the sort's
 * order once the query's `$eq` filters fix its leading columns: then a range of sort keys is read in
 * that order, from where it starts. A partial index counts when its condition is the live rows' and
 * the query reads live rows only. Without one, such a range is a scan of every matching row.
 */
function indexedOrder(query: ParsedListQuery, sql: EntitySql, columns: Map<string, ColumnInfo>, sort: Sort): boolean {
  const keys = sort.map(([c]) => c.sql);
  const entity = sort[0][0].metadata.entityMetadata;
  if (keys.length === 1 && keys[0] === sql.id) return true;
  const fixed = new Set(
    query.filters
      .filter((f) => f.operator === '$eq' && !f.negate && f.relation === undefined)
      .map((f) => columns.get(f.property)!.sql),
  );
  const live = !query.withDeleted && !query.onlyDeleted && sql.deletedAt !== undefined;
  return entity.indices.some((index) => {
    if (index.where && !(live && normalized(index.where) === normalized(`${sql.deletedAt} IS NULL`))) return false;
    const names = index.columns.map((c) => quoteIdentifier(c.databaseName));
    let first = 0;
    while (first < names.length && fixed.has(names[first]) && !keys.includes(names[first])) first++;
    return keys.every((key, i) => names[first + i] === key);
  });
}

/**
 * @internal A deep offset page, its rows found by keys first (see `DEFERRED_JOIN_OFFSET`): the rows
 * `OFFSET` skips are skipped by a subquery reading only the filters and the sort keys, and only the
 * page's rows are read whole; one statement, so both reads see the same snapshot.
 *
 * When the sort keys are `NOT NULL`, share one direction and an index holds the rows in their order,
 * the subquery finds the page's first row only and the page is read from there as a keyset page,
 * `(keys) <= (SELECT keys … LIMIT 1 OFFSET $n)`: an index condition, 51 rows read in index order.
 * Otherwise it finds the page's primary keys and the rows are read by them,
 * `id = ANY(ARRAY(SELECT id … OFFSET $n))`: an array, not a join, so one scan of the primary key
 * whatever the table's size (a join of 51 keys to a table of 12,000 rows was planned as a hash join
 * over a sequential scan of it), and no second scan of the table when no index holds the order.
 */
export function deferredPage(
  query: ParsedListQuery,
  sql: EntitySql,
  columns: Map<string, ColumnInfo>,
  page: { select: string; where: string[]; sort: Sort; order: string; limit: string; offset: string },
): string {
  const { select, where, sort, order, limit, offset } = page;
  const matching = `${sql.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}`;
  const seek = sort.every(([c, d]) => d === sort[0][1] && !c.nullable) && indexedOrder(query, sql, columns, sort);
  if (seek) {
    const keys = sort.map(([c]) => c.sql).join(', ');
    const boundary = `(${keys}) ${sort[0][1] === 'ASC' ? '>=' : '<='} (SELECT ${keys} FROM ${matching} LIMIT 1 OFFSET ${offset})`;
    return `SELECT ${select} FROM ${sql.table} WHERE ${[...where, boundary].join(' AND ')} ORDER BY ${order}${limit}`;
  }
  const ids = `SELECT ${sql.id} FROM ${matching}${limit} OFFSET ${offset}`;
  return `SELECT ${select} FROM ${sql.table} WHERE ${sql.id} = ANY(ARRAY(${ids})) ORDER BY ${order}`;
}
