import type { Pool } from 'pg';

const POLL_MS = 10;

/**
 * Waits until no connection of `pool` is checked out (statements and transactions finished), for
 * at most `graceMs`; resolves with how many were still busy (0 when it drained).
 */
export async function waitForIdlePool(pool: Pool | undefined, graceMs: number): Promise<number> {
  const busy = () => (pool ? pool.totalCount - pool.idleCount : 0);
  const deadline = Date.now() + graceMs;
  while (busy() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  return busy();
}
