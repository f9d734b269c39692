import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, PoolConfig, QueryConfig } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Contender, NewTask, PAGE, Position } from './contender';

const ORDER = 'ORDER BY created_at DESC, id DESC';
const PAGE_WHERE = 'deleted_at IS NULL AND status = $1';

const sql = {
  read: { name: 'b_read', text: 'SELECT * FROM tasks WHERE id = $1 AND deleted_at IS NULL' },
  insert: { name: 'b_insert', text: 'INSERT INTO tasks (title, priority) VALUES ($1, $2) RETURNING *' },
  update: {
    name: 'b_update',
    text: `UPDATE tasks SET priority = $2, version = version + 1, updated_at = now()
           WHERE id = $1 AND version = $3 AND deleted_at IS NULL RETURNING *`,
  },
  offset: { name: 'b_offset', text: `SELECT * FROM tasks WHERE ${PAGE_WHERE} ${ORDER} LIMIT ${PAGE.size} OFFSET $2` },
  first: { name: 'b_first', text: `SELECT * FROM tasks WHERE ${PAGE_WHERE} ${ORDER} LIMIT ${PAGE.size}` },
  after: {
    name: 'b_after',
    text: `SELECT * FROM tasks WHERE ${PAGE_WHERE} AND (created_at, id) < ($2, $3) ${ORDER} LIMIT ${PAGE.size}`,
  },
  // One statement: each task's live executions as one JSON array, by a correlated subquery per row.
  withExecutions: {
    name: 'b_with_executions',
    text: `SELECT t.*, (SELECT coalesce(json_agg(e ORDER BY e.created_at DESC, e.id DESC), '[]')
             FROM task_executions e WHERE e.task_id = t.id AND e.deleted_at IS NULL) AS executions
           FROM tasks t WHERE t.deleted_at IS NULL AND t.status = $1
           ORDER BY t.created_at DESC, t.id DESC LIMIT ${PAGE.size}`,
  },
  softDelete: {
    name: 'b_soft_delete',
    text: `WITH target AS (UPDATE tasks SET deleted_at = now(), version = version + 1, updated_at = now()
             WHERE id = $1 AND deleted_at IS NULL RETURNING id, deleted_at),
           c0 AS (UPDATE task_executions AS ch SET deleted_at = target.deleted_at, version = ch.version + 1,
             updated_at = now() FROM target WHERE ch.task_id = target.id AND ch.deleted_at IS NULL RETURNING ch.id)
           SELECT id FROM target`,
  },
  setPriority: {
    name: 'b_set_priority',
    text: 'UPDATE tasks SET priority = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING *',
  },
  noteRead: { name: 'b_note_read', text: 'SELECT * FROM notes WHERE id = $1 AND deleted_at IS NULL' },
  noteInsert: { name: 'b_note_insert', text: 'INSERT INTO notes (title, tenant_id) VALUES ($1, $2) RETURNING *' },
  addExecution: {
    name: 'b_add_execution',
    text: 'INSERT INTO task_executions (task_id, agent_type) VALUES ($1, $2) RETURNING *',
  },
};

const q = (s: { name: string; text: string }, values: unknown[]): QueryConfig => ({ ...s, values });

/** COPY text format of one row (the bench's values hold no tab, newline or backslash). */
function copyLine(r: NewTask): string {
  return `${r.title}\t${r.description}\t${r.status}\t${r.priority}\t${JSON.stringify(r.requirements)}\n`;
}

/** The limit: node-postgres with named prepared statements, hand-written SQL, COPY for bulk. */
export class RawPgContender implements Contender {
  readonly name = 'raw pg';
  private readonly pool: Pool;

  constructor(settings: PoolConfig) {
    this.pool = new Pool(settings);
  }

  async pointRead(id: string) {
    return (await this.pool.query(q(sql.read, [id]))).rows[0];
  }

  async insert(title: string) {
    return (await this.pool.query(q(sql.insert, [title, 1]))).rows[0];
  }

  async tenantPointRead(id: string) {
    return (await this.pool.query(q(sql.noteRead, [id]))).rows[0];
  }

  async tenantInsert(title: string, tenant: string) {
    return (await this.pool.query(q(sql.noteInsert, [title, tenant]))).rows[0];
  }

  async update(id: string, version: number, priority: number) {
    const { rows } = await this.pool.query(q(sql.update, [id, priority, version]));
    if (!rows.length) throw new Error(`raw pg: stale version of ${id}`);
    return rows[0].version as number;
  }

  async pageOffset(offset: number) {
    return (await this.pool.query(q(sql.offset, [PAGE.status, offset]))).rows;
  }

  async keysetStart(position: Position | undefined) {
    return position;
  }

  async pageKeyset(start: unknown) {
    const p = start as Position | undefined;
    const query = p ? q(sql.after, [PAGE.status, p.createdAt, p.id]) : q(sql.first, [PAGE.status]);
    return (await this.pool.query(query)).rows;
  }

  async pageWithExecutions() {
    return (await this.pool.query(q(sql.withExecutions, [PAGE.status]))).rows;
  }

  async softDelete(id: string) {
    const { rows } = await this.pool.query(q(sql.softDelete, [id]));
    if (!rows.length) throw new Error(`raw pg: ${id} not found`);
  }

  async transaction(id: string) {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(q(sql.read, [id]));
      await client.query(q(sql.setPriority, [id, 2]));
      await client.query(q(sql.addExecution, [id, 'bench']));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async bulkInsert(rows: NewTask[]) {
    const client = await this.pool.connect();
    try {
      const copy = client.query(copyFrom('COPY tasks (title, description, status, priority, requirements) FROM STDIN'));
      const chunks = function* () {
        for (let i = 0; i < rows.length; i += 1_000)
          yield rows
            .slice(i, i + 1_000)
            .map(copyLine)
            .join('');
      };
      await pipeline(Readable.from(chunks()), copy);
    } finally {
      client.release();
    }
  }

  async stream() {
    const client = await this.pool.connect();
    let count = 0;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`DECLARE bench_cursor NO SCROLL CURSOR FOR SELECT * FROM tasks ${ORDER}`);
      for (;;) {
        const { rows } = await client.query('FETCH 1000 FROM bench_cursor');
        if (!rows.length) break;
        count += rows.length;
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return count;
  }

  async close() {
    await this.pool.end();
  }
}
