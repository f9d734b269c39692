import type { EntityMetadata } from 'typeorm';
import { AuditSpec, auditCte, literal } from '../audit/audit-sql';
import { quoteIdentifier } from '../sql/quote-identifier';
import { quoteTable } from './entity-columns';

/** @internal A child table whose rows are soft-deleted and restored with their parent. */
export interface SoftCascade {
  entity: string;
  table: string;
  foreignKey: string;
  id: string;
  deletedAt: string;
  /** The child's delete-date property, as its audit rows name it. */
  deletedAtProperty: string;
  bumps: string;
}

/** @internal One-to-many children with `onDelete: 'CASCADE'` and a delete-date column. */
export function softCascades(metadata: EntityMetadata): SoftCascade[] {
  return metadata.oneToManyRelations
    .filter((r) => r.inverseRelation?.onDelete === 'CASCADE' && r.inverseEntityMetadata.deleteDateColumn)
    .map((r) => {
      const child = r.inverseEntityMetadata;
      const bumps = [
        ...(child.versionColumn
          ? [
              `${quoteIdentifier(child.versionColumn.databaseName)} = ch.${quoteIdentifier(child.versionColumn.databaseName)} + 1`,
            ]
          : []),
        ...(child.updateDateColumn ? [`${quoteIdentifier(child.updateDateColumn.databaseName)} = now()`] : []),
      ];
      return {
        entity: child.name,
        table: quoteTable(child),
        foreignKey: quoteIdentifier(r.inverseRelation!.joinColumns[0].databaseName),
        id: quoteIdentifier(child.primaryColumns[0].databaseName),
        deletedAt: quoteIdentifier(child.deleteDateColumn!.databaseName),
        deletedAtProperty: child.deleteDateColumn!.propertyName,
        bumps: bumps.map((b) => `, ${b}`).join(''),
      };
    });
}

/** @internal What the soft delete and restore statements are built from. */
export interface SoftDeleteParts {
  table: string;
  id: string;
  deletedAt: string;
  /** The entity's delete-date property, as its audit rows name it (`deletedAt`, `removedAt`, …). */
  deletedAtProperty: string;
  bumps: (alias?: string) => string[];
  selectList: string;
  cascades: SoftCascade[];
  audit?: AuditSpec;
}

const deletedJson = (property: string, expr: string) => `jsonb_build_object(${literal(property)}, ${expr})`;

/** @internal Soft-deletes row `$1` and its live children in one statement; children share its `deleted_at`. */
export function softDeleteSql(s: SoftDeleteParts): string {
  const target = `UPDATE ${s.table} SET ${[`${s.deletedAt} = now()`, ...s.bumps()].join(', ')}
      WHERE ${s.id} = $1 AND ${s.deletedAt} IS NULL RETURNING ${s.id} AS id, ${s.deletedAt} AS deleted_at`;
  const parts = [`WITH target AS (${target})`];
  s.cascades.forEach((c, i) => {
    parts.push(`, c${i} AS (UPDATE ${c.table} AS ch SET ${c.deletedAt} = target.deleted_at${c.bumps}
        FROM target WHERE ch.${c.foreignKey} = target.id AND ch.${c.deletedAt} IS NULL RETURNING ch.${c.id} AS id, ch.${c.deletedAt} AS deleted_at)`);
  });
  if (s.audit) {
    const audit = (name: string, type: string, source: string, property: string) =>
      auditCte(
        s.audit!,
        name,
        2,
        type,
        `'soft_delete'`,
        source,
        `${source}.id`,
        deletedJson(property, 'NULL'),
        deletedJson(property, `${source}.deleted_at`),
      );
    parts.push(audit('audit', '$2', 'target', s.deletedAtProperty));
    s.cascades.forEach((c, i) => parts.push(audit(`audit_c${i}`, literal(c.entity), `c${i}`, c.deletedAtProperty)));
  }
  return `${parts.join('')} SELECT id FROM target`;
}

/** @internal Restores row `$1` and exactly the children deleted with it (same `deleted_at`). */
export function restoreSql(s: SoftDeleteParts): string {
  const old = `SELECT ${s.id} AS id, ${s.deletedAt} AS deleted_at FROM ${s.table}
      WHERE ${s.id} = $1 AND ${s.deletedAt} IS NOT NULL FOR UPDATE`;
  const target = `UPDATE ${s.table} AS t SET ${[`${s.deletedAt} = NULL`, ...s.bumps('t')].join(', ')}
      FROM old WHERE t.${s.id} = old.id RETURNING ${s.selectList.replace(/(^|, )"/g, '$1t."')}`;
  const parts = [`WITH old AS (${old}), target AS (${target})`];
  s.cascades.forEach((c, i) => {
    parts.push(`, c${i} AS (UPDATE ${c.table} AS ch SET ${c.deletedAt} = NULL${c.bumps}
        FROM old WHERE ch.${c.foreignKey} = old.id AND ch.${c.deletedAt} = old.deleted_at RETURNING ch.${c.id} AS id, old.deleted_at)`);
  });
  if (s.audit) {
    parts.push(
      auditCte(
        s.audit,
        'audit',
        2,
        '$2',
        `'restore'`,
        'old',
        'old.id',
        deletedJson(s.deletedAtProperty, 'old.deleted_at'),
        deletedJson(s.deletedAtProperty, 'NULL'),
      ),
    );
    s.cascades.forEach((c, i) =>
      parts.push(
        auditCte(
          s.audit!,
          `audit_c${i}`,
          2,
          literal(c.entity),
          `'restore'`,
          `c${i}`,
          `c${i}.id`,
          deletedJson(c.deletedAtProperty, `c${i}.deleted_at`),
          deletedJson(c.deletedAtProperty, 'NULL'),
        ),
      ),
    );
  }
  return `${parts.join('')} SELECT * FROM target`;
}
