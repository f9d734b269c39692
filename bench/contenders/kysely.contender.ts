import { Generated, Kysely, PostgresDialect, sql } from 'kysely';
import { Pool, PoolConfig } from 'pg';
import { Contender, NewTask, PAGE, Position } from './contender';

/** `tasks` as the migration creates it, written by hand for Kysely. */
interface TasksTable {
  id: Generated<string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  version: Generated<number>;
  deleted_at: Date | null;
  title: string;
  description: string | null;
  status: Generated<NewTask['status']>;
  priority: Generated<number>;
  requirements: Generated<Record<string, unknown>>;
  assignee_id: string | null;
  parent_id: string | null;
}

/** `task_executions`, the columns the scenarios touch. */
interface TaskExecutionsTable {
  id: Generated<string>;
  updated_at: Generated<Date>;
  version: Generated<number>;
  deleted_at: Date | null;
  task_id: string;
  agent_type: string;
}

interface Schema {
  tasks: TasksTable;
  task_executions: TaskExecutionsTable;
}

const CHUNK = 5_000;

/** Kysely's query builder on a pg Pool (it has no prepared statements). */
export class KyselyContender implements Contender {
  readonly name = 'Kysely';
  private readonly db: Kysely<Schema>;

  constructor(settings: PoolConfig) {
    this.db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new Pool(settings) }) });
  }

  private page() {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('status', '=', PAGE.status)
      .where('deleted_at', 'is', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(PAGE.size);
  }

  pointRead(id: string) {
    return this.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  insert(title: string) {
    return this.db.insertInto('tasks').values({ title, priority: 1 }).returningAll().executeTakeFirstOrThrow();
  }

  async update(id: string, version: number, priority: number) {
    const row = await this.db
      .updateTable('tasks')
      .set({ priority, version: sql`version + 1`, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('version', '=', version)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new Error(`Kysely: stale version of ${id}`);
    return row.version;
  }

  pageOffset(offset: number) {
    return this.page().offset(offset).execute();
  }

  async keysetStart(position: Position | undefined) {
    return position;
  }

  pageKeyset(start: unknown) {
    const at = start as Position | undefined;
    const query = this.page();
    if (!at) return query.execute();
    return query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(at.createdAt, at.id))).execute();
  }

  async softDelete(id: string) {
    const set = { deleted_at: sql<Date>`now()`, version: sql<number>`version + 1`, updated_at: sql<Date>`now()` };
    const row = await this.db
      .updateTable('tasks')
      .set(set)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!row) throw new Error(`Kysely: ${id} not found`);
    await this.db
      .updateTable('task_executions')
      .set(set)
      .where('task_id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
  }

  async transaction(id: string) {
    await this.db.transaction().execute(async (trx) => {
      await trx.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      await trx
        .updateTable('tasks')
        .set({ priority: 2, version: sql`version + 1`, updated_at: sql`now()` })
        .where('id', '=', id)
        .execute();
      await trx.insertInto('task_executions').values({ task_id: id, agent_type: 'bench' }).returningAll().execute();
    });
  }

  async bulkInsert(rows: NewTask[]) {
    for (let i = 0; i < rows.length; i += CHUNK)
      await this.db
        .insertInto('tasks')
        .values(rows.slice(i, i + CHUNK))
        .execute();
  }

  async close() {
    await this.db.destroy();
  }
}
