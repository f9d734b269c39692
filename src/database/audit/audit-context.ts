import { ClsServiceManager } from 'nestjs-cls';

/** Actor recorded for work outside any request or `runAs`. */
export const SYSTEM_ACTOR = 'system';
const ACTOR = Symbol('audit.actor');
const REQUEST_ID = Symbol('audit.requestId');

/** Who is acting in this async context: the request's actor, or `system`. */
export function currentActor(): string {
  const cls = ClsServiceManager.getClsService();
  return cls.get<string | undefined>(ACTOR) ?? SYSTEM_ACTOR;
}

/** The request id of this async context, if any. */
export function currentRequestId(): string | null {
  const cls = ClsServiceManager.getClsService();
  return cls.get<string | undefined>(REQUEST_ID) ?? null;
}

/** Sets the actor and request id of the current async context (from a middleware or guard). */
export function setAuditContext(actor: string | undefined, requestId: string | undefined): void {
  const cls = ClsServiceManager.getClsService();
  if (actor !== undefined) cls.set(ACTOR, actor);
  if (requestId !== undefined) cls.set(REQUEST_ID, requestId);
}

/**
 * Runs `fn` with `actor` (and `requestId`) recorded on every audited write it makes, through
 * every await: for jobs, scripts and tests outside HTTP requests.
 */
export function runAs<R>(actor: string, fn: () => Promise<R>, requestId?: string): Promise<R> {
  const cls = ClsServiceManager.getClsService();
  return cls.run({ ifNested: 'inherit' }, () => {
    setAuditContext(actor, requestId);
    return fn();
  });
}
