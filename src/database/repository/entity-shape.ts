import type { EntityMetadata } from 'typeorm';
import { ColumnInfo, keyAcceptor } from './entity-columns';
import type { SortDirection } from './list-query';
import { UnsupportedEntityError } from './unsupported-entity.error';

/**
 * @internal What RepositoryService takes from an entity's TypeORM metadata, once per entity: its
 * key column and the columns TypeORM manages (whatever their property and column names).
 */
export interface EntityShape {
  /** The single primary-key column. */
  key: ColumnInfo;
  /** Whether a value can be a key at all (see `keyAcceptor`). */
  acceptsKey: (id: unknown) => boolean;
  /** `@VersionColumn`, the optimistic-locking token. */
  version?: ColumnInfo;
  /** `@DeleteDateColumn`: the entity is soft-deletable. */
  deleteDate?: ColumnInfo;
  /** Sort of a list query that names none: newest first by `@CreateDateColumn`, else none (the key orders). */
  defaultSort: Array<[string, SortDirection]>;
}

/**
 * @internal The shape of an entity, or {@link UnsupportedEntityError} naming what the service
 * cannot do with it (several key columns, table inheritance, trees, embedded columns).
 */
export function entityShape(metadata: EntityMetadata, columns: Map<string, ColumnInfo>): EntityShape {
  const name = metadata.name;
  if (metadata.primaryColumns.length !== 1) {
    throw UnsupportedEntityError.compositeKey(
      name,
      metadata.primaryColumns.map((c) => c.propertyName),
    );
  }
  if (metadata.discriminatorColumn || metadata.inheritancePattern === 'STI') {
    throw UnsupportedEntityError.shape(name, 'single-table inheritance (@TableInheritance, @ChildEntity)');
  }
  if (metadata.treeType) throw UnsupportedEntityError.shape(name, 'tree entities (@Tree)');
  if (metadata.embeddeds.length) {
    throw UnsupportedEntityError.shape(name, 'embedded entities (@Column(() => Embedded))');
  }
  const of = (column?: { propertyName: string }) => (column ? columns.get(column.propertyName) : undefined);
  const key = of(metadata.primaryColumns[0])!;
  const createDate = of(metadata.createDateColumn);
  return {
    key,
    acceptsKey: keyAcceptor(key),
    version: of(metadata.versionColumn),
    deleteDate: of(metadata.deleteDateColumn),
    defaultSort: createDate ? [[createDate.property, 'DESC']] : [],
  };
}
