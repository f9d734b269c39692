import type { QueryResult, QueryResultRow } from 'pg';
import type { ColumnParsers, RowMode, Statement } from '../sql/sql-executor';
import { CompiledPage, echoOf } from './compiled-page';
import type { EntityMetadata } from 'typeorm';
import type { Page } from './list-query';
import { pageLinks } from './page-links';
import { SortKeyTexts } from './sort-key-texts';
import type { RepositoryContext } from './repository.context';

/**
 * @internal Runs a compiled list query and shapes the page: one statement for the rows (one more
 * for the total in offset mode when counting), `limit + 1` rows fetched to know if a next page exists;
 * prepared when the entity still prepares new list statements (`EntitySql.listStatement`). Rows come
 * as arrays (pg's `rowMode: 'array'`, no object per row before the entity) whose sort keys start at
 * `firstKey`; the page's `parsers` read some columns (included relations) as each row arrives.
 */
export function runPage<T>(
  context: RepositoryContext,
  metadata: EntityMetadata,
  page: CompiledPage<T>,
  values: unknown[],
  currentCursor: string,
  path: string,
): Promise<Page<T>> {
  const { query, sql } = page;
  const texts = page.keys && new SortKeyTexts(page.keys.positions);
  const parsers = texts ? texts.parsers(page.parsers) : page.parsers;
  const executor = context.executor;
  const wantsCount = query.mode === 'offset' && query.count;
  const rowMode = 'array';
  const run = <R extends QueryResultRow>(
    statement: Statement | undefined,
    text: string,
    values: unknown[],
    mode: RowMode,
    columns?: ColumnParsers,
  ) =>
    statement
      ? executor.read<R>(statement, values, metadata, mode, columns)
      : executor.readText<R>(text, values, metadata, mode, columns);
  // Not `async`, and no `Promise.all` without a count: in a process with a request context open,
  // async hooks see every promise (13 a keyset page before, 6 now; raw pg's `pool.query` makes 5).
  const read = run(sql.statement, sql.text, values, rowMode, parsers);
  const shape = (result: QueryResult, counted?: QueryResult<{ total: number }>) =>
    shapePage(context, page, texts, result.rows, counted?.rows[0].total, currentCursor, path);
  if (!wantsCount) return read.then((result) => shape(result));
  const count = run<{ total: number }>(sql.countStatement, sql.countText, sql.countValues, undefined);
  return Promise.all([read, count]).then(([result, counted]) => shape(result, counted));
}

/** The page of `rows` (a probe row past the limit included, if the query found one). */
function shapePage<T>(
  context: RepositoryContext,
  page: CompiledPage<T>,
  texts: SortKeyTexts | undefined,
  rows: QueryResultRow[],
  total: number | undefined,
  currentCursor: string,
  path: string,
): Page<T> {
  const { query, hydrate, firstKey } = page;
  const hasNext = rows.length > query.limit;
  if (hasNext) rows.pop();
  if (query.mode === 'cursor') {
    const last = rows.at(-1);
    const keys = !last ? undefined : texts ? texts.keys(hasNext) : query.sort.map((_, i) => String(last[firstKey + i]));
    return cursorPage(context, page, rows, hasNext, path, currentCursor, keys);
  }
  const totalPages = total === undefined ? undefined : Math.max(1, Math.ceil(total / query.limit));
  const pageLink = pageLinks(path, query, page);
  const echo = echoOf(query);
  return {
    data: rows.map(hydrate),
    meta: {
      itemsPerPage: query.limit,
      totalItems: total,
      currentPage: query.page,
      totalPages,
      sortBy: echo.sortBy,
      filter: echo.filter,
    },
    links: {
      first: pageLink({ page: 1 }),
      previous: query.page > 1 ? pageLink({ page: query.page - 1 }) : undefined,
      current: pageLink({ page: query.page }),
      next: hasNext ? pageLink({ page: query.page + 1 }) : undefined,
      last: totalPages === undefined ? undefined : pageLink({ page: totalPages }),
    },
  };
}

function cursorPage<T>(
  context: RepositoryContext,
  page: CompiledPage<T>,
  rows: QueryResultRow[],
  hasNext: boolean,
  path: string,
  current: string,
  keys: string[] | undefined,
): Page<T> {
  const { query } = page;
  const next = hasNext && keys ? context.cursors.encode({ keys, query: query.signature }) : undefined;
  // `hydrate` keeps the entity's own properties: the sort-key columns stay behind.
  const data = rows.map(page.hydrate);
  const pageLink = pageLinks(path, query, page);
  const echo = echoOf(query);
  return {
    data,
    meta: { itemsPerPage: query.limit, sortBy: echo.sortBy, filter: echo.filter, cursor: current },
    links: {
      first: pageLink({ cursor: '' }),
      current: pageLink({ cursor: current }),
      next: next ? pageLink({ cursor: next }) : undefined,
    },
  };
}
