/** @internal Makes entities of rows, without running the entity's constructor (as TypeORM does). */
export interface EntityHydrator<T> {
  /** From a row read with `rowMode: 'array'`: its values in `properties` order. */
  fromValues(values: unknown[]): T;
  /** From a row object keyed by property: properties the row lacks (`undefined`) are left out. */
  fromRow(row: Record<string, unknown>): T;
}

/**
 * @internal An entity's hydrator, compiled once per entity from its metadata's property names (each
 * quoted by `JSON.stringify`; no other text goes in), as MikroORM compiles its hydrators. The
 * compiled constructors store every property by name, in one order, on objects whose prototype is
 * the entity's: one V8 shape per entity and monomorphic stores, where a loop of `entity[name] = …`
 * is a megamorphic keyed store per property (the cost of 50 rows in a page, or of one point read,
 * while the caches are cold).
 *
 * @param prototype the entity class's prototype (`instanceof` and methods work as on TypeORM's)
 * @param properties the properties in select-list order
 * @param conversions TypeORM `transformer.from` of the properties that have one
 */
export function compileHydrator<T>(
  prototype: object,
  properties: readonly string[],
  conversions: ReadonlyMap<string, (value: unknown) => unknown>,
): EntityHydrator<T> {
  const convert = [...conversions.values()];
  const converted = (property: string, value: string) =>
    conversions.has(property) ? `c[${[...conversions.keys()].indexOf(property)}](${value})` : value;
  const fromValues = properties
    .map((property, i) => `this[${JSON.stringify(property)}] = ${converted(property, `v[${i}]`)};`)
    .join('\n');
  const fromRow = properties
    .map((property) => {
      const name = JSON.stringify(property);
      return `if ((x = r[${name}]) !== undefined) this[${name}] = ${converted(property, 'x')};`;
    })
    .join('\n');
  let make: (c: unknown[]) => [new (v: unknown[]) => T, new (r: Record<string, unknown>) => T];
  try {
    make = compiled(fromValues, fromRow);
  } catch (error) {
    // Node run with `--disallow-code-generation-from-strings` refuses `new Function`: the same
    // entities, made by loops.
    if (error instanceof EvalError) return loopHydrator(prototype, properties, conversions);
    throw error;
  }
  const [FromValues, FromRow] = make(convert);
  FromValues.prototype = prototype;
  FromRow.prototype = prototype;
  return { fromValues: (values) => new FromValues(values), fromRow: (row) => new FromRow(row) };
}

function compiled<T>(fromValues: string, fromRow: string) {
  return new Function(
    'c',
    `"use strict";
     function FromValues(v) {\n${fromValues}\n}
     function FromRow(r) {\nlet x;\n${fromRow}\n}
     return [FromValues, FromRow];`,
  ) as (c: unknown[]) => [new (v: unknown[]) => T, new (r: Record<string, unknown>) => T];
}

/** @internal The same hydrator without code generation: keyed stores in a loop (slower, same entities). */
export function loopHydrator<T>(
  prototype: object,
  properties: readonly string[],
  conversions: ReadonlyMap<string, (value: unknown) => unknown>,
): EntityHydrator<T> {
  const convert = (entity: Record<string, unknown>, property: string, value: unknown) => {
    const from = conversions.get(property);
    entity[property] = from ? from(value) : value;
  };
  return {
    fromValues(values) {
      const entity = Object.create(prototype) as Record<string, unknown>;
      for (let i = 0; i < properties.length; i++) convert(entity, properties[i], values[i]);
      return entity as T;
    },
    fromRow(row) {
      const entity = Object.create(prototype) as Record<string, unknown>;
      for (const property of properties) if (row[property] !== undefined) convert(entity, property, row[property]);
      return entity as T;
    },
  };
}
