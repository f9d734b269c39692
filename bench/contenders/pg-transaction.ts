import type { Pool, PoolClient } from 'pg';

/** Runs `work` on one connection of `pool` between `BEGIN` and `COMMIT` (`ROLLBACK` when it throws). */
export async function inTransaction(pool: Pool, work: (client: PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
