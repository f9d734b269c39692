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
  const make = new Function(
    'c',
    `"use strict";
     function FromValues(v) {\n${fromValues}\n}
     function FromRow(r) {\nlet x;\n${fromRow}\n}
     return [FromValues, FromRow];`,
  ) as (c: unknown[]) => [new (v: unknown[]) => T, new (r: Record<string, unknown>) => T];
  const [FromValues, FromRow] = make(convert);
  FromValues.prototype = prototype;
  FromRow.prototype = prototype;
  return { fromValues: (values) => new FromValues(values), fromRow: (row) => new FromRow(row) };
}
