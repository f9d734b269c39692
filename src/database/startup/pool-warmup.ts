import type { Pool, PoolClient } from 'pg';

/**
 * @internal Opens connections until the pool holds at least `min` (pg's `min` only stops idle
 * connections from being closed; it never opens any). Checks out every idle connection plus the
 * missing ones at once, so the pool has to open new ones, then gives them all back. Resolves with
 * how many connections it opened; rejects with the first failure, after giving back what it got.
 */
export async function warmPool(pool: Pool, min: number): Promise<number> {
  const missing = min - pool.totalCount;
  if (missing <= 0) return 0;
  const before = pool.totalCount;
  const results = await Promise.allSettled(Array.from({ length: missing + pool.idleCount }, () => pool.connect()));
  const opened = pool.totalCount - before;
  for (const r of results) if (r.status === 'fulfilled') (r.value as PoolClient).release();
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  return opened;
}
