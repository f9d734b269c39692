import { DatabaseError } from '../errors/database.error';

/** A tenant-scoped write named another tenant than the current one, or ran without one (SQLSTATE 42501 from a row-level security policy). */
export class TenantViolationError extends DatabaseError {
  /** A row of `entity` written with `field` not the current tenant (or with no tenant in context). */
  static onWrite(entity: string, field: string | undefined, cause?: unknown): TenantViolationError {
    return new TenantViolationError(
      `${entity}: the row does not belong to the current tenant${field ? ` (${field})` : ''}; rows are written for the tenant in context only`,
      { entity, fields: field ? [field] : [], cause },
    );
  }
}

/** The tenant context was misused: an invalid tenant id, no async context, or a tenant switch inside a transaction. */
export class TenantContextError extends Error {
  private constructor(message: string) {
    super(message);
    this.name = 'TenantContextError';
  }

  /** A tenant id must be a non-empty string of at most 200 characters without NUL. */
  static invalidId(): TenantContextError {
    return new TenantContextError('a tenant id must be a non-empty string of at most 200 characters without NUL');
  }

  /** `setTenant` outside nestjs-cls's context. */
  static noContext(): TenantContextError {
    return new TenantContextError(
      'setTenant needs an open async context (call it from a middleware after nestjs-cls opened one, or use runAsTenant)',
    );
  }

  /** A statement of a tenant-scoped entity with no tenant in context: refused rather than run against no tenant. */
  static missing(entity: string): TenantContextError {
    return new TenantContextError(
      `${entity} is tenant-scoped and no tenant is set: run the call inside runAsTenant(id, fn) (or setTenant in the request's middleware)`,
    );
  }

  /** A statement ran in a transaction opened for another tenant (or none). */
  static switchedInTransaction(): TenantContextError {
    return new TenantContextError(
      'the tenant changed inside an open transaction: a transaction belongs to the tenant it was opened for; open it inside runAsTenant',
    );
  }
}
