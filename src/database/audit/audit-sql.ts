import { quote } from '../repository/entity-columns';
import { REDACTED_VALUE } from './audit.decorators';

/** @internal What the audit SQL needs to know of one audited entity. */
export interface AuditSpec {
  /** Quoted audit table, e.g. `"audit_logs"`. */
  table: string;
  /** Properties whose values are never stored. */
  redacted: ReadonlySet<string>;
}

/** Audit actions, as stored. */
export type AuditAction = 'create' | 'update' | 'soft_delete' | 'restore' | 'delete';

/** @internal The JSON of a CTE row `alias` (keyed by property name) with redacted values masked. */
export function rowJson(alias: string, spec: AuditSpec): string {
  const masks = [...spec.redacted].map((p) => `'${p.replace(/'/g, "''")}', '${REDACTED_VALUE}'`);
  return masks.length ? `(to_jsonb(${alias}) || jsonb_build_object(${masks.join(', ')}))` : `to_jsonb(${alias})`;
}

/** @internal `jsonb_build_object('p', alias."p", …)` over `properties` (real values, for comparing). */
export function fieldsJson(alias: string, properties: string[]): string {
  return `jsonb_build_object(${properties.map((p) => `'${p.replace(/'/g, "''")}', ${alias}.${quote(p)}`).join(', ')})`;
}

/**
 * @internal The fields of `fromJson` whose value differs in `toJson` (the changed fields only),
 * compared on the real values; a redacted field that changed appears, with `[redacted]` as value.
 */
export function changedJson(fromJson: string, toJson: string, spec: AuditSpec): string {
  const redacted = [...spec.redacted].map((p) => `'${p.replace(/'/g, "''")}'`);
  const value = redacted.length
    ? `CASE WHEN a.key IN (${redacted.join(', ')}) THEN to_jsonb('${REDACTED_VALUE}'::text) ELSE a.value END`
    : 'a.value';
  return `(SELECT coalesce(jsonb_object_agg(a.key, ${value}), '{}'::jsonb) FROM jsonb_each(${fromJson}) a
    JOIN jsonb_each(${toJson}) b ON b.key = a.key WHERE a.value IS DISTINCT FROM b.value)`;
}

/**
 * @internal `, audit AS (INSERT INTO audit_logs … SELECT … FROM source)`: one audit row per row of
 * `source`, in the same statement (and so the same transaction) as the change itself. `$p` is the
 * entity type, `$p+1` the actor, `$p+2` the request id; `entityType` is `$p` or a literal for child rows.
 */
export function auditCte(
  spec: AuditSpec,
  name: string,
  p: number,
  entityType: string,
  action: string,
  source: string,
  idExpr: string,
  oldExpr: string,
  newExpr: string,
): string {
  // clock_timestamp(), not now(): several changes in one transaction keep their order.
  return `, ${name} AS (INSERT INTO ${spec.table} ("entity_type", "entity_id", "action", "old_values", "new_values", "actor", "request_id", "created_at")
    SELECT ${entityType}, (${idExpr})::text, ${action}, ${oldExpr}, ${newExpr}, $${p + 1}, $${p + 2}, clock_timestamp() FROM ${source})`;
}

/** @internal A SQL string literal of a name taken from entity metadata. */
export const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
