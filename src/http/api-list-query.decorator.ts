import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { DEFAULT_LIMIT, EQUALITY_OPERATORS, FilterOperator, MAX_LIMIT, RANGE_OPERATORS } from '../database';

/** What a list route lets clients sort and filter by: the entity's `@Queryable` allow-list. */
export interface ListQueryDocs {
  /** Properties allowed in `sortBy`. */
  sortable: readonly string[];
  /** Properties allowed in `filter.<property>`, with their operators. */
  filters: Readonly<Record<string, readonly FilterOperator[]>>;
  /** `false` for rows that are never soft-deleted: no `withDeleted`/`onlyDeleted` (default `true`). */
  softDeletable?: boolean;
  /** Relation paths allowed in `include` (the entity's `@Includable` relations, nested ones too). */
  includes?: readonly string[];
}

/** The allow-list every `SoftDeletableEntity` inherits: id, createdAt, updatedAt, deletedAt. */
export const SOFT_DELETABLE_LIST_QUERY: ListQueryDocs = {
  sortable: ['id', 'createdAt', 'updatedAt'],
  filters: {
    id: EQUALITY_OPERATORS,
    createdAt: RANGE_OPERATORS,
    updatedAt: RANGE_OPERATORS,
    deletedAt: RANGE_OPERATORS,
  },
};

/** The grammar in one paragraph, for the OpenAPI document's description. */
export const LIST_QUERY_GRAMMAR =
  'Lists take `limit` (1–100, default 20) and either `page` (offset mode, with totals unless `count=false`) ' +
  'or `cursor` (keyset mode: `cursor=` for the first page, then follow `links.next`; a forged cursor, or one ' +
  'reused with another sortBy or filter, is a 400). `sortBy=field:ASC|DESC` may repeat; `id` always breaks ties. ' +
  '`filter.<field>=[$not:]<op>:<value>` with `$eq $not $gt $gte $lt $lte $in $null $btw $ilike $sw` ' +
  '(`$in:a,b`, `$btw:low,high`, `$null` without a value; a bare value means `$eq`); repeat a filter to AND ' +
  'conditions; `filter.<relation>.<field>` keeps rows having at least one live related row matching every such ' +
  'condition on that relation. `include=<relation>` reads related rows with each row (one statement). ' +
  '`withDeleted=true` includes soft-deleted rows, `onlyDeleted=true` returns only them. Any other ' +
  'parameter, field or operator is a 400 naming it.';

/** The largest `page` the list grammar takes (the parser's bound; the OpenAPI property test holds them together). */
const MAX_PAGE = 1_000_000_000;
/** The longest value of a filter operator other than `$eq` (the parser's bound, held as `MAX_PAGE` is). */
const MAX_OPERATOR_VALUE = 1_000;

const flag = (name: string, description: string) =>
  ApiQuery({ name, required: false, schema: { type: 'string', enum: ['true', 'false'] }, description });

/** Documents the list grammar of one list route, with the entity's sortable and filterable fields. */
export function ApiListQuery(docs: ListQueryDocs): MethodDecorator {
  const directions = docs.sortable.flatMap((field) => [`${field}:ASC`, `${field}:DESC`]);
  return applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      description: 'Rows per page.',
    }),
    ApiQuery({
      name: 'page',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 },
      description: 'Offset mode: the 1-based page. Cannot be combined with `cursor`.',
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      allowEmptyValue: true,
      schema: { type: 'string' },
      description: 'Keyset mode: empty for the first page, then the token from `links.next`. Never counts the table.',
    }),
    ApiQuery({
      name: 'sortBy',
      required: false,
      style: 'form',
      explode: true,
      schema: { type: 'array', items: { type: 'string', enum: directions } },
      description: `\`field:ASC\` or \`field:DESC\`, repeatable, in priority order. Sortable: ${docs.sortable.join(', ')}.`,
    }),
    ...Object.entries(docs.filters).map(([field, operators]) =>
      ApiQuery({
        name: `filter.${field}`,
        required: false,
        style: 'form',
        explode: true,
        schema: { type: 'array', items: { type: 'string' } },
        description:
          `\`[$not:]<op>:<value>\`, repeatable (AND). Operators: ${operators.join(' ')}. ` +
          `Values of operators other than $eq: at most ${MAX_OPERATOR_VALUE} characters each.`,
      }),
    ),
    ...(docs.softDeletable === false
      ? []
      : [flag('withDeleted', 'Include soft-deleted rows.'), flag('onlyDeleted', 'Only soft-deleted rows.')]),
    flag('count', 'Offset mode: `false` skips the total count (`totalItems`, `totalPages`, `links.last`).'),
    ...(docs.includes?.length ? [ApiInclude(docs.includes)] : []),
  );
}

/** `include`: relations read with each row, in the same statement. */
export const ApiInclude = (includes: readonly string[]) =>
  ApiQuery({
    name: 'include',
    required: false,
    style: 'form',
    explode: true,
    schema: { type: 'array', items: { type: 'string', enum: [...includes] } },
    description:
      'Relations to read with each row (repeatable, or comma-separated), in the same database statement: ' +
      `${includes.join(', ')}. To-many relations come as arrays of their live rows, newest first; ` +
      'to-one relations as the row or null. With `withDeleted=true`, soft-deleted related rows too.',
  });
