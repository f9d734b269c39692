import { ClsServiceManager } from 'nestjs-cls';
import { TenantContextError } from './tenant.errors';

/**
 * The PostgreSQL setting that carries the tenant of a statement (`current_setting('app.tenant_id', true)`),
 * set transaction-locally by the module and read by the policies of {@link tenantPolicySql}.
 */
export const TENANT_SETTING = 'app.tenant_id';
/** @internal Longest tenant id accepted (a setting value, bound as a parameter). */
export const MAX_TENANT_ID_LENGTH = 200;
const TENANT = Symbol('tenancy.tenant');
/**
 * Whether any tenant was ever set in this process: until then no context holds one, and
 * {@link currentTenant} (asked on every statement) answers without looking up the context.
 */
let tenantsSet = false;

/** The tenant of this async context (from `runAsTenant` or a request's middleware), if any. */
export function currentTenant(): string | undefined {
  if (!tenantsSet) return undefined;
  const cls = ClsServiceManager.getClsService();
  return cls.get<string | undefined>(TENANT);
}

/** @internal Throws {@link TenantContextError} unless `id` can be a tenant id. */
export function checkTenantId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_TENANT_ID_LENGTH || id.includes('\0')) {
    throw TenantContextError.invalidId();
  }
  return id;
}

/**
 * Sets the tenant of the current async context (from a middleware or guard, once nestjs-cls's
 * context is open): every statement the module runs afterwards in it is scoped to that tenant.
 */
export function setTenant(id: string): void {
  const cls = ClsServiceManager.getClsService();
  if (!cls.isActive()) throw TenantContextError.noContext();
  cls.set(TENANT, checkTenantId(id));
  tenantsSet = true;
}

/**
 * Runs `fn` as tenant `id`, through every await: every statement that `RepositoryService`,
 * `DatabaseService.query`/`execute` and the module's transactions run in it sets `app.tenant_id`
 * transaction-locally, so the row-level security policies of tenant-scoped tables show and accept
 * that tenant's rows only. TypeORM's own repositories see the tenant inside a module transaction
 * (`DatabaseService.transaction`, `@Transactional()`) opened in `fn`; outside one they see no
 * tenant-scoped rows at all.
 *
 * @example
 * await runAsTenant(tenantId, () => this.notes.paginate({ limit: 20 }));
 */
export function runAsTenant<R>(id: string, fn: () => Promise<R>): Promise<R> {
  const tenant = checkTenantId(id);
  const cls = ClsServiceManager.getClsService();
  tenantsSet = true;
  return cls.run({ ifNested: 'inherit' }, () => {
    cls.set(TENANT, tenant);
    return fn();
  });
}
