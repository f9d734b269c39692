import type { FilterOperator } from './queryable.decorator';

/** Default page size. */
export const DEFAULT_LIMIT = 20;
/** Largest page size a caller may ask for. */
export const MAX_LIMIT = 100;

/** Sort direction. */
export type SortDirection = 'ASC' | 'DESC';

/**
 * A list query as callers write it, over HTTP (strings) or in code; compatible with
 * nestjs-paginate's grammar: `limit`, `page`, `cursor`, `sortBy=field:DIR`, `filter.<field>=<op>:<value>`.
 */
export interface ListQueryInput {
  limit?: number | string;
  /** Offset mode: the 1-based page. */
  page?: number | string;
  /** Keyset mode: `''` for the first page, then the `links.next` token. */
  cursor?: string;
  /** `field:ASC|DESC` (or `[field, dir]` pairs), in priority order; the primary key is always added last. */
  sortBy?: string | string[] | Array<[string, SortDirection]>;
  /** `field` → `$op:value` (or several, combined with AND). A bare value means `$eq`. */
  filter?: Record<string, string | string[]>;
  /** Include soft-deleted rows. */
  withDeleted?: boolean | string;
  /** Only soft-deleted rows. */
  onlyDeleted?: boolean | string;
  /** Offset mode: `false` skips the total count (and `totalItems`, `totalPages`, `links.last`). */
  count?: boolean | string;
  /** Relations read with each row (`@Includable` ones): `executions`, `task.executions`, or several. */
  include?: string | string[];
}

/** @internal One parsed filter condition. */
export interface FilterCondition {
  property: string;
  /** The `@Includable` relation whose rows `property` belongs to (`filter.<relation>.<property>`). */
  relation?: string;
  operator: Exclude<FilterOperator, '$not'>;
  negate: boolean;
  values: unknown[];
}

/** @internal A validated list query. */
export interface ParsedListQuery {
  limit: number;
  mode: 'offset' | 'cursor';
  page: number;
  /** Keyset mode: values after which the page starts; `undefined` for the first page. */
  after?: string[];
  sort: Array<[string, SortDirection]>;
  filters: FilterCondition[];
  withDeleted: boolean;
  onlyDeleted: boolean;
  count: boolean;
  /** The query as given (normalised), echoed in `meta` and in links. */
  echo: { sortBy: Array<[string, SortDirection]>; filter: Record<string, string | string[]> };
  /** Signature of sort + filters + deletion scope, bound into cursors. */
  signature: string;
  /** The relations read with each row (their paths; the repository keeps the compiled tree). */
  include?: { readonly paths: string[] };
}

/** A page of results, shaped as nestjs-paginate's `Paginated<T>`. */
export interface Page<T> {
  data: T[];
  meta: {
    itemsPerPage: number;
    totalItems?: number;
    currentPage?: number;
    totalPages?: number;
    sortBy: Array<[string, SortDirection]>;
    filter?: Record<string, string | string[]>;
    cursor?: string;
  };
  links: { first?: string; previous?: string; current: string; next?: string; last?: string };
}
