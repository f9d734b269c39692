import type { QueryResultRow } from 'pg';
import type { EntityMetadata } from 'typeorm';
import { translateDatabaseError } from '../errors/translate-database-error';
import type { SqlExecutor } from '../sql/sql-executor';

/**
 * @internal Reads a query through `DECLARE … CURSOR` in a read-only transaction on one dedicated
 * connection, `batchSize` rows per FETCH. Stopping early (break/return) closes the cursor.
 */
export async function* streamRows<T>(
  executor: SqlExecutor,
  text: string,
  values: unknown[],
  batchSize: number,
  map: (row: QueryResultRow) => T,
  metadata: EntityMetadata,
): AsyncGenerator<T> {
  let client;
  try {
    client = await executor.pool.connect();
  } catch (error) {
    throw translateDatabaseError(error, metadata);
  }
  let open = false;
  try {
    await executor.runText('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', [], metadata, client);
    open = true;
    await executor.runText(`DECLARE repository_stream NO SCROLL CURSOR FOR ${text}`, values, metadata, client);
    const fetch = `FETCH ${Math.max(1, Math.floor(batchSize))} FROM repository_stream`;
    for (;;) {
      const { rows } = await executor.runText(fetch, [], metadata, client);
      for (const row of rows) yield map(row);
      if (rows.length < batchSize) break;
    }
    await executor.runText('COMMIT', [], metadata, client);
    open = false;
  } finally {
    // A failure, or a consumer that stops early, leaves the transaction open: end it first.
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
