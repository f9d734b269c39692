import type { ParsedListQuery } from './list-query';

/** @internal The part of a compiled page's links before the position, for the path it was made for. */
export interface LinkPrefix {
  path: string;
  text: string;
}

/** Text `URLSearchParams` leaves as it is (form encoding keeps letters, digits and `*-._`). */
const FORM_SAFE = /^[\w.*-]*$/;

/**
 * @internal Builds nestjs-paginate-style links: `path?limit=…&sortBy=…&filter.x=…&page=…|cursor=…`.
 * The part before the position is encoded once per page (a page has up to five links), or once per
 * compiled page and path when `kept` holds it; each link only appends its `cursor` or `page`, as
 * `URLSearchParams` would (a cursor this service signed is base64url: nothing to encode).
 */
export function pageLinks(
  path: string,
  query: ParsedListQuery,
  kept?: { linkPrefix?: LinkPrefix },
): (position: { page?: number; cursor?: string }) => string {
  let prefix = kept?.linkPrefix?.path === path ? kept.linkPrefix.text : undefined;
  if (prefix === undefined) {
    prefix = linkPrefix(path, query);
    if (kept) kept.linkPrefix = { path, text: prefix };
  }
  const start = prefix;
  return (position) => {
    let link = start;
    const { cursor } = position;
    if (cursor !== undefined)
      link += FORM_SAFE.test(cursor) ? `&cursor=${cursor}` : `&${new URLSearchParams({ cursor }).toString()}`;
    if (position.page !== undefined) link += `&page=${position.page}`;
    return link;
  };
}

function linkPrefix(path: string, query: ParsedListQuery): string {
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
  return `${path}?${params.toString()}`;
}
