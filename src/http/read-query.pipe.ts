import { Injectable, PipeTransform, Query } from '@nestjs/common';
import { fieldsBadRequest } from './field-errors';
import { QueryFlagsPipe } from './query-flags.pipe';

/** The query of a single-row read: `withDeleted`, and `include` when the resource has relations to include. */
export interface ReadQueryValues {
  withDeleted?: boolean;
  /** Relation paths, each one the route documents. */
  include?: string[];
}

/**
 * `include` as given (repeated or comma-separated), when every path is one the route documents;
 * else a 400 naming `include`. The repository enforces the entity's `@Includable` allow-list (which
 * also takes nested paths); the HTTP routes take exactly what their OpenAPI document lists.
 */
export function documentedIncludes(value: unknown, documented: readonly string[] = []): string[] | undefined {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v) => typeof v === 'string')) throw fieldsBadRequest([['include', ['must be plain text']]]);
  const paths = (values as string[]).flatMap((v) => v.split(',')).map((v) => v.trim());
  const allowed = documented.length ? `one of ${documented.join(', ')}` : 'this route includes no relations';
  if (!documented.length || paths.some((p) => !documented.includes(p))) {
    throw fieldsBadRequest([['include', [`must name relations this route includes (${allowed})`]]]);
  }
  return paths;
}

/**
 * Accepts `withDeleted=true|false` and, when the route documents relations, `include`; anything
 * else is a 400 naming it.
 */
@Injectable()
export class ReadQueryPipe implements PipeTransform<unknown, ReadQueryValues> {
  private readonly flags = new QueryFlagsPipe(['withDeleted']);

  constructor(private readonly includes: readonly string[]) {}

  transform(query: unknown): ReadQueryValues {
    const { include, ...rest } = (query ?? {}) as Record<string, unknown>;
    if (include === undefined) return this.flags.transform(rest);
    return { ...this.flags.transform(rest), include: documentedIncludes(include, this.includes) };
  }
}

/** The query of a single-row read route: `withDeleted`, and `include` of the documented relations. */
export const ReadQuery = (includes: readonly string[] = []): ParameterDecorator => Query(new ReadQueryPipe(includes));
