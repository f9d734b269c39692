import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, PoolClient, PoolConfig } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Contender, NewTask } from './contender';
import { inTransaction } from './pg-transaction';

/** The audit row's columns, as ours writes them (`id` and `created_at` left to their defaults). */
const AUDIT_COLUMNS = 'entity_type, entity_id, action, old_values, new_values, actor, request_id';

/**
 * One statement each, the audit row written by a CTE beside the change, as a hand-written audit
 * would be: the created row in full, the update's old and new value of the field it sets (read by
 * PostgreSQL 18's `RETURNING old.…` from the row version it replaced). Named prepared statements.
 */
const sql = {
  insert: {
    name: 'b_audited_insert',
    text: `WITH w AS (INSERT INTO tasks (title, priority) VALUES ($1, $2) RETURNING *),
           a AS (INSERT INTO audit_logs (${AUDIT_COLUMNS})
             SELECT 'Task', w.id::text, 'create', NULL, to_jsonb(w), $3, NULL FROM w)
           SELECT * FROM w`,
  },
  update: {
    name: 'b_audited_update',
    text: `WITH w AS (UPDATE tasks SET priority = $2, version = version + 1, updated_at = now()
             WHERE id = $1 AND version = $3 AND deleted_at IS NULL RETURNING new.*, old.priority AS old_priority),
           a AS (INSERT INTO audit_logs (${AUDIT_COLUMNS})
             SELECT 'Task', w.id::text, 'update', jsonb_build_object('priority', w.old_priority),
               jsonb_build_object('priority', w.priority), $4, NULL FROM w)
           SELECT * FROM w`,
  },
};

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
 * The physical floor of audited writes, as a reference for `ours (audit on)`: hand-written
 * node-postgres. A single insert or update writes its audit row in the same statement ({@link sql}).
 * A bulk insert writes each task and an audit row of the same content as ours, both by `COPY`, in
 * one transaction: keys are made here (`randomUUID`, as `gen_random_uuid()` would), so the audit
 * rows can name them; the transaction's `now()` is read once for the rows' timestamps. Writes only.
 */
export class RawPgAuditedContender implements Contender {
  readonly name = 'raw pg (audited)';
  readonly writesOnly = true;
  private readonly pool: Pool;

  constructor(settings: PoolConfig) {
    this.pool = new Pool(settings);
  }

  async insert(title: string) {
    return (await this.pool.query({ ...sql.insert, values: [title, 1, 'system'] })).rows[0];
  }

  async update(id: string, version: number, priority: number) {
    const { rows } = await this.pool.query({ ...sql.update, values: [id, priority, version, 'system'] });
    if (!rows.length) throw new Error(`raw pg (audited): stale version of ${id}`);
    return rows[0].version as number;
  }

  async bulkInsert(rows: NewTask[]) {
    await inTransaction(this.pool, async (client) => {
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
    });
  }

  async close() {
    await this.pool.end();
  }
}
