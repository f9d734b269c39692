const NOT_AUDITED = new WeakSet<Function>();
const REDACTED = new Map<Function, Set<string>>();

/** Marker that replaces a redacted field's values in the audit trail. */
export const REDACTED_VALUE = '[redacted]';

/** Opts an entity out of the audit trail (e.g. the audit log itself, caches, sessions). */
export function NotAudited(): ClassDecorator {
  return (target) => {
    NOT_AUDITED.add(target);
  };
}

/**
 * Records changes of this field in the audit trail without its values (e.g. a password hash):
 * the entry says it changed, and shows `[redacted]` for both the old and the new value.
 */
export function AuditRedacted(): PropertyDecorator {
  return (target, key) => {
    const fields = REDACTED.get(target.constructor) ?? new Set<string>();
    fields.add(String(key));
    REDACTED.set(target.constructor, fields);
  };
}

/** @internal Whether writes of `entity` are audited (base classes included). */
export function isAudited(entity: Function): boolean {
  for (let c: Function | null = entity; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (NOT_AUDITED.has(c)) return false;
  }
  return true;
}

/** @internal Redacted properties of `entity`, base classes included. */
export function redactedFields(entity: Function): Set<string> {
  const fields = new Set<string>();
  for (let c: Function | null = entity; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    for (const f of REDACTED.get(c) ?? []) fields.add(f);
  }
  return fields;
}
