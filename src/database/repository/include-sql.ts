import type { QueryResultRow } from 'pg';
import type { ColumnParsers } from '../sql/sql-executor';
import { quoteIdentifier } from '../sql/quote-identifier';
import type { ColumnInfo } from './entity-columns';
import type { IncludedEntity } from './include-plan';
import type { IncludeNode } from './include.parser';

/** Prefix of the columns carrying included relations (one per top-level relation). */
export const INCLUDE_ALIAS = '__inc';

/** Numbers the aliases of one statement's subqueries, so nested ones never shadow their parents. */
type Aliases = () => string;

/** `json_build_array(fields…, nested relations…)` of the row `alias` of `entity`. */
function rowJson(entity: IncludedEntity, alias: string, children: IncludeNode[], withDeleted: boolean, next: Aliases) {
  const fields = entity.fields.map((f) => f.sql(alias));
  const nested = children.map((child) => relationJson(child, alias, withDeleted, next));
  return `json_build_array(${[...fields, ...nested].join(', ')})`;
}

/**
 * The related rows of the parent row `parent` as one JSON value: an array for a to-many relation
 * (`[]` when none), a row or null for a to-one. A correlated subquery per relation and parent row:
 * no join multiplies the parent's rows, so a `LIMIT` counts parents, and nested relations nest as
 * subqueries of the same statement.
 */
function relationJson(node: IncludeNode, parent: string, withDeleted: boolean, next: Aliases): string {
  const { relation } = node;
  const target = relation.target;
  const alias = next();
  const { from, where } = relation.source(alias, parent);
  const live = target.deletedAt && !withDeleted ? ` AND ${alias}.${target.deletedAt} IS NULL` : '';
  const row = rowJson(target, alias, node.children, withDeleted, next);
  if (!relation.many) return `(SELECT ${row} FROM ${from} WHERE ${where}${live} LIMIT 1)`;
  return `(SELECT coalesce(json_agg(${row} ORDER BY ${target.order(alias)}), '[]'::json) FROM ${from} WHERE ${where}${live})`;
}

/** `, (subquery) AS "__inc0", …`: the included relations of the row `parent`, one column each. */
export function includeColumns(nodes: IncludeNode[], parent: string, withDeleted: boolean): string {
  let n = 0;
  const next = () => `i${n++}`;
  return nodes
    .map((node, i) => `, ${relationJson(node, parent, withDeleted, next)} AS "${INCLUDE_ALIAS}${i}"`)
    .join('');
}

/** `p."created_at" AS "createdAt", …`: the parent's select list, qualified by its alias. */
export function qualifiedSelect(columns: Map<string, ColumnInfo>, alias: string): string {
  return [...columns.values()]
    .filter((c) => c.select && !c.relationOnly)
    .map((c) => `${alias}.${c.sql} AS ${quoteIdentifier(c.property)}`)
    .join(', ');
}

/** One included row (a JSON array) as an entity of its class, its own relations inside. */
function entityOf(entity: IncludedEntity, children: IncludeNode[], values: unknown[]): object {
  const out = entity.read(values);
  const offset = entity.fields.length;
  for (let j = 0; j < children.length; j++) {
    out[children[j].relation.property] = relationValue(children[j], values[offset + j]);
  }
  return out;
}

function relationValue(node: IncludeNode, value: unknown): unknown {
  const { target, many } = node.relation;
  if (many) return (value as unknown[][]).map((row) => entityOf(target, node.children, row));
  return value === null ? null : entityOf(target, node.children, value as unknown[]);
}

/** pg's type OID of `json`, what the relations' subqueries return. */
const JSON_OID = 114;

/** Each node's reader of its column's text (JSON) into entities, compiled once per node. */
const readers = new WeakMap<IncludeNode, (text: string) => unknown>();

function readerOf(node: IncludeNode): (text: string) => unknown {
  let reader = readers.get(node);
  if (!reader) readers.set(node, (reader = (text) => relationValue(node, JSON.parse(text))));
  return reader;
}

/**
 * @internal The parsers of a statement's included relations (the columns from index `first` on, in
 * `nodes` order): each column's JSON becomes the related entities as pg reads each row (see
 * `ColumnParsers`), so the work overlaps with the server producing the next rows instead of
 * waiting for the last one. A column of another type there means the select list is not the one
 * compiled: the read fails rather than mislabel values.
 */
export function includeParsers(nodes: IncludeNode[], first: number): ColumnParsers {
  const parsers = nodes.map(readerOf);
  return () => {
    let column = 0;
    return (oid) => {
      const i = column++ - first;
      if (i < 0 || i >= parsers.length) return undefined;
      if (oid !== JSON_OID) {
        return () => {
          throw new Error(`include: column ${first + i} is of type ${oid}, not json`);
        };
      }
      return parsers[i];
    };
  };
}

/** Sets the included relations of `row` (read with {@link includeParsers}) on its hydrated `entity`. */
export function attachIncludes<T>(entity: T, row: QueryResultRow, nodes: IncludeNode[]): T {
  for (let i = 0; i < nodes.length; i++) {
    (entity as Record<string, unknown>)[nodes[i].relation.property] = row[`${INCLUDE_ALIAS}${i}`];
  }
  return entity;
}

/**
 * Like {@link attachIncludes}, of a row read with `rowMode: 'array'`: its included relations are
 * the values from index `first` on, in `nodes` order.
 */
export function attachIncludeValues<T>(entity: T, values: unknown[], first: number, nodes: IncludeNode[]): T {
  for (let i = 0; i < nodes.length; i++) {
    (entity as Record<string, unknown>)[nodes[i].relation.property] = values[first + i];
  }
  return entity;
}
