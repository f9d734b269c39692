import { Pool, PoolConfig } from 'pg';
import { Contender, NewTask } from './contender';
import { inTransaction } from './pg-transaction';

/** Rows per INSERT, as ours sends them. */
const CHUNK = 5_000;

/**
 * The tasks of one chunk, each column one array spread by `unnest`, and their audit rows written by
 * a CTE of the same statement from the rows as the INSERT returns them (`to_jsonb` of the stored
 * row: defaults, triggers and the server's own formatting included). `$6` to `$8` are the entity
 * type, the actor and the request id.
 */
const sql = {
  name: 'b_audited_bulk_statement',
  text: `WITH w AS (INSERT INTO tasks (description, priority, requirements, status, title)
           SELECT * FROM unnest($1::text[], $2::smallint[], $3::jsonb[], $4::task_status[], $5::varchar[])
           RETURNING created_at AS "createdAt", updated_at AS "updatedAt", version, id, deleted_at AS "deletedAt",
             title, description, status, priority, requirements, assignee_id AS "assigneeId", parent_id AS "parentId"),
         a AS (INSERT INTO audit_logs (entity_type, entity_id, action, old_values, new_values, actor, request_id)
           SELECT $6, w.id::text, 'create', NULL, to_jsonb(w), $7, $8 FROM w)
         SELECT count(*)::int AS count FROM w`,
};

/**
 * Raw pg's audited bulk insert when the audit row must hold the row as the database stored it: one
 * INSERT per 5,000 rows with its audit rows in the same statement, in one transaction, awaited in
 * turn (how a hand-written audit that does not rebuild the server's defaults and JSON in the client
 * would do it). The reference for `ours (audit on)`'s bulk beside `raw pg (audited)`, whose audit
 * JSON is written by the client from what the bench knows of the table. Bulk only.
 */
export class RawPgAuditedStatementContender implements Contender {
  readonly name = 'raw pg (audited, one statement)';
  readonly writesOnly = true;
  private readonly pool: Pool;

  constructor(settings: PoolConfig) {
    this.pool = new Pool(settings);
  }

  async bulkInsert(rows: NewTask[]) {
    await inTransaction(this.pool, async (client) => {
      for (let start = 0; start < rows.length; start += CHUNK) {
        const part = rows.slice(start, start + CHUNK);
        const values = [
          part.map((r) => r.description),
          part.map((r) => r.priority),
          part.map((r) => JSON.stringify(r.requirements)),
          part.map((r) => r.status),
          part.map((r) => r.title),
          'Task',
          'system',
          null,
        ];
        await client.query({ ...sql, values });
      }
    });
  }

  async close() {
    await this.pool.end();
  }
}
