import { Injectable, PipeTransform, Query } from '@nestjs/common';
import { fieldsBadRequest } from './field-errors';

/** Parsed boolean query flags of a single-row route. */
export type QueryFlagValues<K extends string> = Partial<Record<K, boolean>>;

/**
 * Accepts exactly the named boolean flags (`true` or `false`, given once) and nothing else: any
 * other query parameter is a 400 naming it, never silently ignored.
 */
@Injectable()
export class QueryFlagsPipe<K extends string> implements PipeTransform<unknown, QueryFlagValues<K>> {
  constructor(private readonly names: readonly K[]) {}

  transform(query: unknown): QueryFlagValues<K> {
    const allowed = this.names.length ? `allowed: ${this.names.join(', ')}` : 'this route takes none';
    const problems: Array<[string, string[]]> = [];
    const flags: QueryFlagValues<K> = {};
    for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
      if (!(this.names as readonly string[]).includes(name)) {
        problems.push([name, [`is not a query parameter here (${allowed})`]]);
      } else if (value !== 'true' && value !== 'false') {
        problems.push([name, ['must be true or false, given once']]);
      } else {
        flags[name as K] = value === 'true';
      }
    }
    if (problems.length) throw fieldsBadRequest(problems);
    return flags;
  }
}

/**
 * The query of a single-row route: only the named boolean flags are accepted.
 *
 * @example
 * findOne(@UuidParam() id: string, @QueryFlags('withDeleted') { withDeleted }: QueryFlagValues<'withDeleted'>)
 */
export const QueryFlags = <K extends string>(...names: K[]): ParameterDecorator => Query(new QueryFlagsPipe<K>(names));
