import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, PoolClient, PoolConfig } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Contender, NewTask } from './contender';

/** Rows per chunk written to a COPY stream. */
const CHUNK = 1_000;

/** COPY text format of one task with its key (the bench's values hold no tab, newline or backslash). */
function taskLine(id: string, r: NewTask): string {
  return `${id}\t${r.title}\t${r.description}\t${r.status}\t${r.priority}\t${JSON.stringify(r.requirements)}\n`;
}

/**
 * COPY text format of the task's audit row, with what `RepositoryService` stores for a create: the
 * whole row as stored, keyed by property name (`now` is the transaction's `now()` as `to_jsonb`
 * writes it), actor `system`, no request id; `id` and `created_at` are left to their defaults.
 */
function auditLine(id: string, r: NewTask, now: string): string {
  // The JSON written as the server's `to_jsonb` orders it (jsonb stores keys by length, then bytes).
  const json =
    `{"id": "${id}", "title": ${JSON.stringify(r.title)}, "status": "${r.status}", "version": 1, ` +
    `"parentId": null, "priority": ${r.priority}, "createdAt": "${now}", "deletedAt": null, ` +
    `"updatedAt": "${now}", "assigneeId": null, "description": ${JSON.stringify(r.description)}, ` +
    `"requirements": ${JSON.stringify(r.requirements)}}`;
  return `Task\t${id}\tcreate\t\\N\t${json}\tsystem\t\\N\n`;
}

/** Streams `lines(rows[i..i+CHUNK])` into a `COPY … FROM STDIN` on `client`. */
async function copyChunks(client: PoolClient, sql: string, count: number, line: (i: number) => string) {
  const chunks = function* () {
    for (let start = 0; start < count; start += CHUNK) {
      let text = '';
      for (let i = start; i < Math.min(count, start + CHUNK); i++) text += line(i);
      yield text;
    }
  };
  await pipeline(Readable.from(chunks()), client.query(copyFrom(sql)));
}

/**
 * The physical floor of an audited bulk insert, as a reference for `ours (audit on)`: hand-written
 * node-postgres that writes each task and an audit row of the same content as ours, both by `COPY`,
 * in one transaction. Keys are made here (`randomUUID`, as `gen_random_uuid()` would), so the audit
 * rows can name them; the transaction's `now()` is read once for the rows' timestamps. Bulk only.
 */
export class RawPgAuditedContender implements Contender {
  readonly name = 'raw pg (COPY + COPY audit)';
  readonly writesOnly = true;
  private readonly pool: Pool;

  constructor(settings: PoolConfig) {
    this.pool = new Pool(settings);
  }

  async bulkInsert(rows: NewTask[]) {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows: clock } = await client.query<{ now: string }>(`SELECT to_jsonb(now()) #>> '{}' AS now`);
      const now = clock[0].now;
      const ids = rows.map(() => randomUUID());
      await copyChunks(
        client,
        'COPY tasks (id, title, description, status, priority, requirements) FROM STDIN',
        rows.length,
        (i) => taskLine(ids[i], rows[i]),
      );
      await copyChunks(
        client,
        'COPY audit_logs (entity_type, entity_id, action, old_values, new_values, actor, request_id) FROM STDIN',
        rows.length,
        (i) => auditLine(ids[i], rows[i], now),
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async close() {
    await this.pool.end();
  }
}
