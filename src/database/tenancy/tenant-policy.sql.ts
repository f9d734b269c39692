import type { EntityMetadata } from 'typeorm';
import { quoteIdentifier } from '../sql/quote-identifier';
import { TenantColumnType, tenantProperty, tenantSettingExpression } from './tenant-column.decorator';

/** A tenant-scoped table, named explicitly (the form a migration keeps stable as entities change). */
export interface TenantTable {
  /** Table name, e.g. `notes`. */
  table: string;
  /** Schema, when not the search path's. */
  schema?: string;
  /** The tenant column; default `tenant_id`. */
  column?: string;
  /** Its type; default `uuid`. */
  type?: TenantColumnType;
}

/** The table, column and type of an entity's {@link TenantColumn}, read from its metadata. */
export function tenantTableOf(metadata: EntityMetadata): TenantTable {
  const property = typeof metadata.target === 'function' ? tenantProperty(metadata.target) : undefined;
  const column = property ? metadata.findColumnWithPropertyName(property) : undefined;
  if (!column) throw new TypeError(`${metadata.name} has no @TenantColumn()`);
  return {
    table: metadata.tableName,
    schema: metadata.schema,
    column: column.databaseName,
    type: column.type as TenantColumnType,
  };
}

function names(target: TenantTable | EntityMetadata) {
  const table = 'tableName' in target ? tenantTableOf(target) : target;
  const qualified = (table.schema ? `${quoteIdentifier(table.schema)}.` : '') + quoteIdentifier(table.table);
  return {
    table: qualified,
    column: quoteIdentifier(table.column ?? 'tenant_id'),
    policy: quoteIdentifier(`${table.table}_tenant_isolation`),
    expression: tenantSettingExpression(table.type ?? 'uuid'),
  };
}

/**
 * The statements a migration runs to isolate a table by tenant: enable and FORCE row-level
 * security (so the table's owner is bound too), and one policy for every command whose `USING`
 * (rows seen, updated, deleted) and `WITH CHECK` (rows written) compare the tenant column with the
 * transaction-local `app.tenant_id`. Without a tenant the setting is NULL: no row is seen and no
 * row can be written. Identifiers are quoted; no caller text reaches the SQL unquoted.
 *
 * @example
 * async up(q: QueryRunner) {
 *   for (const sql of tenantPolicySql({ table: 'notes' })) await q.query(sql);
 * }
 */
export function tenantPolicySql(target: TenantTable | EntityMetadata): string[] {
  const { table, column, policy, expression } = names(target);
  const predicate = `${column} = ${expression}`;
  return [
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY ${policy} ON ${table} USING (${predicate}) WITH CHECK (${predicate})`,
  ];
}

/** The statements that undo {@link tenantPolicySql} (for a migration's `down`). */
export function dropTenantPolicySql(target: TenantTable | EntityMetadata): string[] {
  const { table, policy } = names(target);
  return [
    `DROP POLICY IF EXISTS ${policy} ON ${table}`,
    `ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`,
  ];
}
