import { ClsServiceManager } from 'nestjs-cls';

/**
 * @internal What one request (or `withConsistency` scope) knows about its own writes: whether it
 * wrote, and the WAL position a read must see (from a consistency token it presented). One object
 * per request, shared by reference with the nested contexts (transactions) opened inside it, so a
 * write inside a transaction is seen by the request's later reads.
 */
export interface ReadConsistency {
  /** A statement that may write ran on the primary in this request: later reads go to the primary. */
  wrote: boolean;
  /** The request presented a token: a replica serves it only once it has replayed this far. */
  atLeast: bigint | undefined;
}

const CONSISTENCY = Symbol('replicas.consistency');
const PRIMARY = Symbol('replicas.primary');

/** @internal The consistency state of this async context, if a request or scope opened one. */
export function currentConsistency(): ReadConsistency | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.get<ReadConsistency | undefined>(CONSISTENCY);
}

/** @internal Whether reads of this async context are pinned to the primary (`readFromPrimary`). */
export function primaryRequested(): boolean {
  const cls = ClsServiceManager.getClsService();
  return cls.get<boolean | undefined>(PRIMARY) === true;
}

/** @internal Runs `fn` with `state` as the consistency state of its async context. */
export function runWithConsistency<R>(state: ReadConsistency, fn: () => R): R {
  const cls = ClsServiceManager.getClsService();
  return cls.run({ ifNested: 'inherit' }, () => {
    cls.set(CONSISTENCY, state);
    return fn();
  });
}

/**
 * Runs `fn` with every read it makes served by the primary, replicas configured or not: for a
 * read that must see the latest committed data (a check before a write, a job that just wrote
 * from another process). RepositoryService reads also take `{ primary: true }`.
 *
 * @example
 * const user = await readFromPrimary(() => this.users.findOne({ email }));
 */
export function readFromPrimary<R>(fn: () => Promise<R>): Promise<R> {
  const cls = ClsServiceManager.getClsService();
  return cls.run({ ifNested: 'inherit' }, () => {
    cls.set(PRIMARY, true);
    return fn();
  });
}

/**
 * Runs `fn` as one unit of read-your-writes outside an HTTP request (a job, a script, a test):
 * after a write inside it, its reads go to the primary. HTTP requests get this from the module's
 * interceptor.
 */
export function withReadYourWrites<R>(fn: () => Promise<R>): Promise<R> {
  return runWithConsistency({ wrote: false, atLeast: undefined }, fn);
}
