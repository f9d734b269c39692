import { Column } from 'typeorm';
import type { EntityMetadata } from 'typeorm';
import { TENANT_SETTING } from './tenant-context';

/** Column types a tenant column may have (the type the setting is cast to in the policy). */
export type TenantColumnType = 'uuid' | 'text' | 'bigint' | 'integer';
const TYPES: ReadonlySet<string> = new Set<TenantColumnType>(['uuid', 'text', 'bigint', 'integer']);

/** Options of {@link TenantColumn}. */
export interface TenantColumnOptions {
  /** Column name; default `tenant_id`. */
  name?: string;
  /** Column type; default `uuid`. */
  type?: TenantColumnType;
}

const TENANT_COLUMNS = new WeakMap<Function, string>();

/**
 * @internal The setting of the current statement as `type`, NULL when there is none: the default
 * of a tenant column and the right-hand side of its policy. (An unset custom setting reads as `''`
 * once any transaction of the session has set it; `NULLIF` makes both cases NULL.)
 */
export function tenantSettingExpression(type: TenantColumnType): string {
  if (!TYPES.has(type)) throw new TypeError(`tenant column type must be one of ${[...TYPES].join(', ')}`);
  return `NULLIF(current_setting('${TENANT_SETTING}', true), '')::${type}`;
}

/**
 * The SQL default of a tenant column, for its migration: the statement's tenant, so an insert that
 * leaves the column out is stamped by PostgreSQL (with no tenant it is NULL, or `''` that does not
 * cast, and the insert is refused).
 *
 * @example
 * `"tenant_id" uuid NOT NULL DEFAULT ${tenantColumnDefaultSql('uuid')}`
 */
export function tenantColumnDefaultSql(type: TenantColumnType = 'uuid'): string {
  if (!TYPES.has(type)) throw new TypeError(`tenant column type must be one of ${[...TYPES].join(', ')}`);
  return type === 'text'
    ? `current_setting('${TENANT_SETTING}', true)`
    : `current_setting('${TENANT_SETTING}', true)::${type}`;
}

/**
 * The column default as TypeORM reads {@link tenantColumnDefaultSql} back from the catalog (casts
 * removed): what the metadata must say for TypeORM's schema diff to find nothing to change. It is
 * for that comparison only; the migration writes the default from `tenantColumnDefaultSql`.
 */
function typeormDefault(type: TenantColumnType): string {
  return type === 'text'
    ? `current_setting('${TENANT_SETTING}', true)`
    : `(current_setting('${TENANT_SETTING}', true))`;
}

/**
 * Marks the entity's tenant column: `NOT NULL`, defaulting to the tenant of the statement (so an
 * insert that leaves it out is stamped by PostgreSQL with the current tenant; write the default
 * in the migration with {@link tenantColumnDefaultSql}). Isolation itself is the table's row-level
 * security policy, created in the migration from {@link tenantPolicySql}.
 *
 * @example
 * @Entity('notes')
 * export class Note extends SoftDeletableEntity {
 *   @TenantColumn() tenantId: string;
 * }
 */
export function TenantColumn(options: TenantColumnOptions = {}): PropertyDecorator {
  const type = options.type ?? 'uuid';
  const expression = typeormDefault(type);
  const column = Column({ name: options.name ?? 'tenant_id', type, nullable: false, default: () => expression });
  return (target, property) => {
    TENANT_COLUMNS.set(target.constructor, String(property));
    column(target, property);
  };
}

/** @internal The property of `entity`'s tenant column (base classes included), if it has one. */
export function tenantProperty(entity: Function): string | undefined {
  for (let c: Function | null = entity; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const property = TENANT_COLUMNS.get(c);
    if (property) return property;
  }
  return undefined;
}

const SCOPED = new WeakMap<EntityMetadata, boolean>();

/** @internal Whether `metadata`'s entity has a {@link TenantColumn} (looked up once per entity). */
export function isTenantScoped(metadata: EntityMetadata): boolean {
  let scoped = SCOPED.get(metadata);
  if (scoped === undefined) {
    scoped = typeof metadata.target === 'function' && tenantProperty(metadata.target) !== undefined;
    SCOPED.set(metadata, scoped);
  }
  return scoped;
}
