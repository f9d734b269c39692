const REGISTRY = new Map<Function, Set<string>>();

/**
 * Lets list queries and reads name this relation in `include` (and filter on its `@Queryable`
 * columns, `filter.<relation>.<field>`). Anything not declared is refused with a 400 naming
 * `include`; relation paths and their SQL only ever come from this allow-list and the metadata.
 * One-to-many, many-to-one, one-to-one and many-to-many relations can be included.
 *
 * @example
 * @Includable()
 * @OneToMany(() => TaskExecution, (execution) => execution.task)
 * executions?: Relation<TaskExecution>[];
 */
export function Includable(): PropertyDecorator {
  return (target, key) => {
    const owner = target.constructor;
    const entries = REGISTRY.get(owner) ?? new Set<string>();
    entries.add(String(key));
    REGISTRY.set(owner, entries);
  };
}

/** @internal The relations an entity class lets `include` name, base classes included. */
export function includableProperties(entity: Function): Set<string> {
  const merged = new Set<string>();
  for (let c: Function | null = entity; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    for (const property of REGISTRY.get(c) ?? []) merged.add(property);
  }
  return merged;
}
