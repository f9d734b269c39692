import type { DataSource, EntityMetadata, RelationMetadata } from 'typeorm';
import { quoteIdentifier } from '../sql/quote-identifier';
import { ColumnInfo, entityColumns, quoteTable } from './entity-columns';
import { includableProperties } from './includable.decorator';
import { IncludedField, includedField, rowReader } from './include-columns';
import { queryableProperties, QueryableOptions } from './queryable.decorator';
import { UnsupportedEntityError } from './unsupported-entity.error';

/** @internal An entity as included rows read it: its columns in a fixed order, compiled once. */
export interface IncludedEntity {
  metadata: EntityMetadata;
  table: string;
  prototype: object;
  /** The fields of `json_build_array`, in order; an included row's relations follow them. */
  fields: IncludedField[];
  /** An included row's fields (the start of its JSON array) as an entity of its class. */
  read(values: unknown[]): Record<string, unknown>;
  /** Columns by property, for filters on this entity's columns (`filter.<relation>.<field>`). */
  columns: Map<string, ColumnInfo>;
  /** Its `@Queryable` allow-list. */
  allow: Map<string, QueryableOptions>;
  deletedAt?: string;
  /** `ORDER BY` of its rows (as `alias`) inside a to-many relation: the list default (newest first), then the key. */
  order(alias: string): string;
  /** Its `@Includable` relations, compiled on first use. */
  relation(property: string): IncludedRelation | undefined;
}

/** @internal A relation `include` may name: where its rows are and how they join the parent's. */
export interface IncludedRelation {
  property: string;
  kind: RelationMetadata['relationType'];
  /** An array of rows (`one-to-many`, `many-to-many`) or one row or null. */
  many: boolean;
  target: IncludedEntity;
  /** `FROM …` of the related rows as `child`, and the condition tying them to the parent row `parent`. */
  source(child: string, parent: string): { from: string; where: string };
}

/** The refusal when the service is built: which relation, and why it cannot be included. */
function unsupported(relation: RelationMetadata, why: string): UnsupportedEntityError {
  return UnsupportedEntityError.shape(relation.entityMetadata.name, `@Includable on ${relation.propertyName}: ${why}`);
}

const joined = (pairs: Array<[string, string]>) => pairs.map(([a, b]) => `${a} = ${b}`).join(' AND ');
const col = (alias: string, column: { databaseName: string }) => `${alias}.${quoteIdentifier(column.databaseName)}`;

/** The SQL tying a relation's rows to its parent's: the foreign key on the side that owns it. */
function sourceOf(relation: RelationMetadata, table: string): IncludedRelation['source'] {
  if (relation.isManyToMany) {
    const owner = relation.isOwning ? relation : relation.inverseRelation!;
    const junction = quoteTable(owner.junctionEntityMetadata!);
    // From the owner's side, joinColumns point at the owner; from the inverse side, at the target.
    const [toParent, toChild] = relation.isOwning
      ? [owner.joinColumns, owner.inverseJoinColumns]
      : [owner.inverseJoinColumns, owner.joinColumns];
    return (child, parent) => {
      const j = `${child}j`;
      const on = joined(toChild.map((c) => [col(j, c), col(child, c.referencedColumn!)]));
      return {
        from: `${table} ${child} JOIN ${junction} ${j} ON ${on}`,
        where: joined(toParent.map((c) => [col(j, c), col(parent, c.referencedColumn!)])),
      };
    };
  }
  if (relation.isManyToOne || relation.isOneToOneOwner) {
    return (child, parent) => ({
      from: `${table} ${child}`,
      where: joined(relation.joinColumns.map((c) => [col(child, c.referencedColumn!), col(parent, c)])),
    });
  }
  // one-to-many, one-to-one (inverse side): the foreign key is on the related rows.
  const keys = relation.inverseRelation!.joinColumns;
  return (child, parent) => ({
    from: `${table} ${child}`,
    where: joined(keys.map((c) => [col(child, c), col(parent, c.referencedColumn!)])),
  });
}

/**
 * @internal Compiles what `include` needs of entities reached from one DataSource's metadata:
 * each entity once, each relation once, every `@Includable` relation checked when its owner is
 * first compiled (a relation that cannot be included fails the service's construction).
 */
export class IncludePlanner {
  private readonly entities = new Map<EntityMetadata, IncludedEntity>();

  constructor(private readonly dataSource: DataSource) {}

  /** The entity, compiled (and its includable relations checked, transitively). */
  entity(metadata: EntityMetadata): IncludedEntity {
    let entity = this.entities.get(metadata);
    if (entity) return entity;
    const columns = entityColumns(metadata, this.dataSource.driver);
    const read = [...columns.values()].filter((c) => c.select && !c.relationOnly);
    const relations = new Map<string, IncludedRelation>();
    const includable = includableProperties(metadata.target as Function);
    const createDate = metadata.createDateColumn;
    const order = [
      ...(createDate ? [[createDate, 'DESC'] as const] : []),
      ...metadata.primaryColumns.map((c) => [c, createDate ? 'DESC' : 'ASC'] as const),
    ];
    const prototype = (metadata.target as Function).prototype as object;
    const fields = read.map((c) => includedField(c, this.dataSource.driver));
    entity = {
      metadata,
      table: quoteTable(metadata),
      prototype,
      fields,
      read: rowReader(prototype, fields),
      columns,
      allow: queryableProperties(metadata.target as Function),
      deletedAt: metadata.deleteDateColumn ? quoteIdentifier(metadata.deleteDateColumn.databaseName) : undefined,
      order: (alias) => order.map(([c, direction]) => `${col(alias, c)} ${direction}`).join(', '),
      relation: (property) => (includable.has(property) ? relations.get(property) : undefined),
    };
    this.entities.set(metadata, entity);
    if (typeof metadata.target !== 'function') return entity;
    for (const property of includable) relations.set(property, this.compile(metadata, property));
    return entity;
  }

  private compile(metadata: EntityMetadata, property: string): IncludedRelation {
    const relation = metadata.relations.find((r) => r.propertyName === property);
    if (!relation) {
      throw UnsupportedEntityError.shape(metadata.name, `@Includable on ${property}: it is not a TypeORM relation`);
    }
    const target = relation.inverseEntityMetadata;
    if (target.embeddeds.length) throw unsupported(relation, `${target.name} has embedded columns`);
    if (target.treeType || target.discriminatorColumn)
      throw unsupported(relation, `${target.name} is a tree or uses inheritance`);
    if (relation.isLazy) throw unsupported(relation, 'lazy relations (Promise properties) are loaded by TypeORM');
    if (!relation.isManyToMany && !relation.isManyToOne && !relation.isOneToOneOwner && !relation.inverseRelation) {
      throw unsupported(relation, 'it has no inverse side naming the foreign key (add it to the @OneToMany/@OneToOne)');
    }
    return {
      property,
      kind: relation.relationType,
      many: relation.isOneToMany || relation.isManyToMany,
      target: this.entity(target),
      source: sourceOf(relation, quoteTable(target)),
    };
  }
}
