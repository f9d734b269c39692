/** Filter operators of the list grammar (nestjs-paginate's words). */
export const FILTER_OPERATORS = [
  '$eq',
  '$not',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$null',
  '$btw',
  '$ilike',
  '$sw',
] as const;
/** One filter operator. */
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** Equality-style operators, for ids, enums and foreign keys. */
export const EQUALITY_OPERATORS: FilterOperator[] = ['$eq', '$not', '$in', '$null'];
/** Range operators, for numbers and times. */
export const RANGE_OPERATORS: FilterOperator[] = ['$eq', '$not', '$gt', '$gte', '$lt', '$lte', '$in', '$btw', '$null'];
/** Text operators. */
export const TEXT_OPERATORS: FilterOperator[] = ['$eq', '$not', '$in', '$ilike', '$sw', '$null'];

/** What a list query may do with one property. */
export interface QueryableOptions {
  /** May appear in `sortBy`. */
  sortable?: boolean;
  /** Operators allowed in `filter.<property>`; none when absent. */
  filter?: readonly FilterOperator[];
}

const REGISTRY = new Map<Function, Map<string, QueryableOptions>>();

/**
 * Declares a property sortable and/or filterable in list queries. Anything not declared is
 * rejected with a 400 naming the parameter; identifiers only ever come from this allow-list.
 *
 * @example
 * @Queryable({ sortable: true, filter: EQUALITY_OPERATORS })
 * @Column({ type: 'enum', enum: TaskStatus }) status: TaskStatus;
 */
export function Queryable(options: QueryableOptions): PropertyDecorator {
  return (target, key) => {
    const owner = target.constructor;
    const entries = REGISTRY.get(owner) ?? new Map<string, QueryableOptions>();
    entries.set(String(key), { ...options, filter: options.filter ? [...options.filter] : undefined });
    REGISTRY.set(owner, entries);
  };
}

/** @internal The allow-list of an entity class, base classes included (subclasses override). */
export function queryableProperties(entity: Function): Map<string, QueryableOptions> {
  const chain: Function[] = [];
  for (let c: Function | null = entity; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) chain.unshift(c);
  const merged = new Map<string, QueryableOptions>();
  for (const c of chain) for (const [k, v] of REGISTRY.get(c) ?? []) merged.set(k, v);
  return merged;
}
