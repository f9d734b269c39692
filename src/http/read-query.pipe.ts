import { Injectable, PipeTransform, Query } from '@nestjs/common';
import { fieldsBadRequest } from './field-errors';
import { QueryFlagsPipe } from './query-flags.pipe';

/** The query of a single-row read: `withDeleted`, and `include` when the resource has relations to include. */
export interface ReadQueryValues {
  withDeleted?: boolean;
  /** Relation paths as given (`include` repeated or comma-separated); the repository checks them. */
  include?: string[];
}

/**
 * Accepts `withDeleted=true|false` and, when `includes` is true, `include` (text, repeatable);
 * anything else is a 400 naming it. Which relations may be included is the entity's
 * `@Includable` allow-list, enforced by the repository (a 400 naming `include`).
 */
@Injectable()
export class ReadQueryPipe implements PipeTransform<unknown, ReadQueryValues> {
  private readonly flags = new QueryFlagsPipe(['withDeleted']);

  constructor(private readonly includes: boolean) {}

  transform(query: unknown): ReadQueryValues {
    const { include, ...rest } = (query ?? {}) as Record<string, unknown>;
    if (include === undefined || !this.includes) return this.flags.transform(query);
    const values = Array.isArray(include) ? include : [include];
    if (!values.every((v) => typeof v === 'string')) throw fieldsBadRequest([['include', ['must be plain text']]]);
    return { ...this.flags.transform(rest), include: values as string[] };
  }
}

/** The query of a single-row read route: `withDeleted`, and `include` when `includes` is true. */
export const ReadQuery = (includes: boolean): ParameterDecorator => Query(new ReadQueryPipe(includes));
