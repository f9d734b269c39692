import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { drizzle, NodePgDatabase } from 'drizzle-orm/node-postgres';
import { Pool, PoolConfig } from 'pg';
import { Contender, NewTask, PAGE, Position } from './contender';
import * as schema from './drizzle.schema';
import { taskExecutions, tasks } from './drizzle.schema';

const CHUNK = 5_000;
const live = isNull(tasks.deletedAt);
const p = sql.placeholder;

/** Drizzle ORM on node-postgres, with its prepared statements where it has them. */
export class DrizzleContender implements Contender {
  readonly name = 'Drizzle';
  private readonly pool: Pool;
  private readonly db: NodePgDatabase<typeof schema>;
  private readonly prepared;

  constructor(settings: PoolConfig) {
    this.pool = new Pool(settings);
    this.db = drizzle({ client: this.pool, schema });
    const db = this.db;
    const page = db
      .select()
      .from(tasks)
      .where(and(eq(tasks.status, PAGE.status), live));
    this.prepared = {
      read: db
        .select()
        .from(tasks)
        .where(and(eq(tasks.id, p('id')), live))
        .prepare('d_read'),
      insert: db
        .insert(tasks)
        .values({ title: sql`${p('title')}`, priority: 1 })
        .returning()
        .prepare('d_insert'),
      update: db
        .update(tasks)
        .set({ priority: sql`${p('priority')}`, version: sql`${tasks.version} + 1`, updatedAt: sql`now()` })
        .where(and(eq(tasks.id, p('id')), eq(tasks.version, p('version')), live))
        .returning()
        .prepare('d_update'),
      offset: page
        .orderBy(desc(tasks.createdAt), desc(tasks.id))
        .limit(PAGE.size)
        .offset(p('offset'))
        .prepare('d_offset'),
      withExecutions: db.query.tasks
        .findMany({
          where: and(eq(tasks.status, PAGE.status), live),
          orderBy: [desc(tasks.createdAt), desc(tasks.id)],
          limit: PAGE.size,
          with: {
            executions: {
              where: isNull(taskExecutions.deletedAt),
              orderBy: [desc(taskExecutions.createdAt), desc(taskExecutions.id)],
            },
          },
        })
        .prepare('d_with_executions'),
    };
  }

  async pointRead(id: string) {
    return (await this.prepared.read.execute({ id }))[0];
  }

  async insert(title: string) {
    return (await this.prepared.insert.execute({ title }))[0];
  }

  async update(id: string, version: number, priority: number) {
    const rows = await this.prepared.update.execute({ id, version, priority });
    if (!rows.length) throw new Error(`Drizzle: stale version of ${id}`);
    return rows[0].version;
  }

  /** Drizzle's relational query: one statement, each task's executions as a JSON array (a lateral join). */
  pageWithExecutions() {
    return this.prepared.withExecutions.execute();
  }

  pageOffset(offset: number) {
    return this.prepared.offset.execute({ offset });
  }

  async keysetStart(position: Position | undefined) {
    return position;
  }

  pageKeyset(start: unknown) {
    const at = start as Position | undefined;
    const after = at ? sql`(${tasks.createdAt}, ${tasks.id}) < (${at.createdAt}, ${at.id})` : undefined;
    return this.db
      .select()
      .from(tasks)
      .where(and(eq(tasks.status, PAGE.status), live, after))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(PAGE.size);
  }

  async softDelete(id: string) {
    const set = { deletedAt: sql`now()`, version: sql`version + 1`, updatedAt: sql`now()` };
    const rows = await this.db
      .update(tasks)
      .set(set)
      .where(and(eq(tasks.id, id), live))
      .returning({ id: tasks.id });
    if (!rows.length) throw new Error(`Drizzle: ${id} not found`);
    await this.db
      .update(taskExecutions)
      .set(set)
      .where(and(eq(taskExecutions.taskId, id), isNull(taskExecutions.deletedAt)));
  }

  async transaction(id: string) {
    await this.db.transaction(async (tx) => {
      const [task] = await tx.select().from(tasks).where(eq(tasks.id, id));
      if (!task) throw new Error(`Drizzle: ${id} not found`);
      await tx
        .update(tasks)
        .set({ priority: 2, version: sql`${tasks.version} + 1`, updatedAt: sql`now()` })
        .where(eq(tasks.id, id));
      await tx.insert(taskExecutions).values({ taskId: id, agentType: 'bench' }).returning();
    });
  }

  async bulkInsert(rows: NewTask[]) {
    for (let i = 0; i < rows.length; i += CHUNK) await this.db.insert(tasks).values(rows.slice(i, i + CHUNK));
  }

  async close() {
    await this.pool.end();
  }
}
