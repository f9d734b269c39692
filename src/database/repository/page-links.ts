import type { ParsedListQuery } from './list-query';

/**
 * @internal Builds nestjs-paginate-style links: `path?limit=…&sortBy=…&filter.x=…&page=…|cursor=…`.
 * The part before the position is encoded once per page (a page has up to five links), and each
 * link only appends its `cursor` or `page`, as `URLSearchParams` would.
 */
export function pageLinks(
  path: string,
  query: ParsedListQuery,
): (position: { page?: number; cursor?: string }) => string {
  const params = new URLSearchParams();
  params.set('limit', String(query.limit));
  for (const [field, direction] of query.echo.sortBy) params.append('sortBy', `${field}:${direction}`);
  for (const [field, value] of Object.entries(query.echo.filter)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(`filter.${field}`, v);
  }
  if (query.onlyDeleted) params.set('onlyDeleted', 'true');
  else if (query.withDeleted) params.set('withDeleted', 'true');
  if (!query.count) params.set('count', 'false');
  for (const include of query.include?.paths ?? []) params.append('include', include);
  const prefix = `${path}?${params.toString()}`;
  return (position) => {
    let link = prefix;
    if (position.cursor !== undefined) link += `&${new URLSearchParams({ cursor: position.cursor }).toString()}`;
    if (position.page !== undefined) link += `&page=${position.page}`;
    return link;
  };
}
