import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import type { QueryResultRow } from 'pg';
import type { EntityMetadata } from 'typeorm';
import { translateDatabaseError } from '../errors/translate-database-error';
import type { Queryable, SqlExecutor } from '../sql/sql-executor';

/**
 * @internal Reads a query through `DECLARE … CURSOR` in a read-only transaction on one dedicated
 * connection, `batchSize` rows per FETCH, the next batch fetched while this one is handed out.
 * Stopping early (break/return) closes the cursor.
 */
export async function* streamRows<T>(
  executor: SqlExecutor,
  text: string,
  values: unknown[],
  batchSize: number,
  map: (row: QueryResultRow) => T,
  metadata: EntityMetadata,
  primary = false,
): AsyncGenerator<T> {
  for await (const rows of transactionBatches(executor, text, values, batchSize, metadata, primary)) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      // Let go of each row as it is handed out: a batch that keeps its consumed rows makes them
      // survive young-generation collections, and V8 then promotes them (RSS grows by ~100 MB per
      // million rows before a full collection), although nothing uses them any more.
      rows[i] = undefined as unknown as QueryResultRow;
      yield map(row);
    }
  }
}

/** The batches, in the open transaction or in a read-only one of their own on a dedicated connection (a replica's unless `primary`). */
async function* transactionBatches(
  executor: SqlExecutor,
  text: string,
  values: unknown[],
  batchSize: number,
  metadata: EntityMetadata,
  primary: boolean,
): AsyncGenerator<QueryResultRow[]> {
  const ambient = executor.target();
  if (ambient !== executor.pool) {
    // Inside a transaction: the cursor lives in it, and sees its uncommitted rows.
    yield* batches(executor, ambient as Queryable, text, values, batchSize, metadata, `stream_${++streams}`);
    return;
  }
  let client;
  try {
    // Outside a transaction a replica may serve the stream (not with `primary`); a lost connection mid-stream is not retried.
    client = await executor.connectForRead(primary);
  } catch (error) {
    throw translateDatabaseError(error, metadata);
  }
  let open = false;
  let broken: Error | undefined;
  try {
    await executor.begin('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', metadata, client);
    open = true;
    yield* batches(executor, client, text, values, batchSize, metadata, 'repository_stream');
    await executor.runText('COMMIT', [], metadata, client);
    open = false;
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) broken = error;
    throw error;
  } finally {
    // A failure, or a consumer that stops early, leaves the transaction open: end it first.
    if (open && !broken) await executor.runText('ROLLBACK', [], metadata, client).catch((e: Error) => (broken = e));
    // A lost connection leaves the pool (release with an error destroys the client).
    executor.releaseRead(client, broken);
  }
}

let streams = 0;

/** The cursor's batches; a full batch's successor is already asked for while it is handed out. */
async function* batches(
  executor: SqlExecutor,
  on: Queryable,
  text: string,
  values: unknown[],
  batchSize: number,
  metadata: EntityMetadata,
  cursor: string,
): AsyncGenerator<QueryResultRow[]> {
  await executor.runText(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${text}`, values, metadata, on);
  const size = Math.max(1, Math.floor(batchSize));
  const fetch = `FETCH ${size} FROM ${cursor}`;
  let closed = false;
  let next: Promise<QueryResultRow[]> | undefined;
  const ask = () => {
    const asked = executor.runText(fetch, [], metadata, on).then((r) => r.rows);
    asked.catch(() => undefined); // awaited below, unless the consumer stops first
    return asked;
  };
  try {
    next = ask();
    for (;;) {
      const rows: QueryResultRow[] = await next;
      next = rows.length < size ? undefined : ask();
      if (rows.length) yield rows;
      if (!next) break;
    }
    await executor.runText(`CLOSE ${cursor}`, [], metadata, on);
    closed = true;
  } finally {
    // A FETCH still under way answers first (one connection runs its queries in order).
    if (!closed) await executor.runText(`CLOSE ${cursor}`, [], metadata, on).catch(() => undefined);
  }
}
