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

/**
 * @internal The fields among `properties` whose value differs between `from(p)` and `to(p)` (the
 * changed fields only), as `from` has them: one `CASE` per field, no set-returning functions. A
 * redacted field that changed appears, with `[redacted]` as its value. `from` and `to` give the
 * SQL expression of a property's value before or after the change (e.g. `old."title"`).
 */
export function changedJson(
  properties: string[],
  spec: AuditSpec,
  from: (property: string) => string,
  to: (property: string) => string,
): string {
  const parts = properties.map((p) => {
    const value = spec.redacted.has(p) ? `'${REDACTED_VALUE}'::text` : from(p);
    return `CASE WHEN ${from(p)} IS DISTINCT FROM ${to(p)} THEN jsonb_build_object('${p.replace(/'/g, "''")}', ${value}) ELSE '{}'::jsonb END`;
  });
  return parts.length ? `(${parts.join(' || ')})` : `'{}'::jsonb`;
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
  // "created_at" is left to the column's default, clock_timestamp() (the time of the change itself,
  // so several changes in one transaction keep their order): written here, that volatile call would
  // keep the planner from flattening the INSERT's SELECT (one more plan node, ~5 µs a write).
  return `, ${name} AS (INSERT INTO ${spec.table} ("entity_type", "entity_id", "action", "old_values", "new_values", "actor", "request_id")
    SELECT ${entityType}, (${idExpr})::text, ${action}, ${oldExpr}, ${newExpr}, $${p + 1}, $${p + 2} FROM ${source})`;
}

/** @internal A SQL string literal of a name taken from entity metadata. */
export const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
