import type { ParsedListQuery } from './list-query';

/** @internal Builds nestjs-paginate-style links: `path?limit=…&sortBy=…&filter.x=…&page=…|cursor=…`. */
export function pageLink(path: string, query: ParsedListQuery, position: { page?: number; cursor?: string }): string {
  const params = new URLSearchParams();
  params.set('limit', String(query.limit));
  for (const [field, direction] of query.echo.sortBy) params.append('sortBy', `${field}:${direction}`);
  for (const [field, value] of Object.entries(query.echo.filter)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(`filter.${field}`, v);
  }
  if (query.onlyDeleted) params.set('onlyDeleted', 'true');
  else if (query.withDeleted) params.set('withDeleted', 'true');
  if (!query.count) params.set('count', 'false');
  for (const path of query.include?.paths ?? []) params.append('include', path);
  if (position.cursor !== undefined) params.set('cursor', position.cursor);
  if (position.page !== undefined) params.set('page', String(position.page));
  return `${path}?${params.toString()}`;
}
