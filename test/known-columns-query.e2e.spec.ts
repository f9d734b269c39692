import { DatabaseService } from '../src/database';
import type { Task } from '../src/entities';
import { RepositoryFixture, repositoryFixture } from './support/repository-fixture';

/** Counts the Describe messages pg writes on the pool's only connection. */
async function countDescribes(f: RepositoryFixture): Promise<{ count: number }> {
  const pool = (f.dataSource.driver as unknown as { master: { connect(): Promise<any> } }).master;
  const client = await pool.connect();
  const connection = client.connection as { describe: (...args: unknown[]) => void };
  client.release();
  const counter = { count: 0 };
  const describe = connection.describe;
  connection.describe = function (this: unknown, ...args: unknown[]) {
    counter.count++;
    return describe.apply(this, args);
  };
  return counter;
}

describe('named statements on the pool: result columns described once per connection', () => {
  let f: RepositoryFixture;
  let describes: { count: number };
  beforeAll(async () => {
    f = await repositoryFixture({ DB_POOL_MAX: '1' });
    describes = await countDescribes(f);
  });
  afterAll(() => f?.close());

  it('reads, pages and writes with RETURNING give the same answers without a second Describe', async () => {
    const titles = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta'];
    const made: Task[] = [];
    for (const [i, title] of titles.entries()) made.push(await f.tasks.create({ title, priority: i }));
    const reads = async () => ({
      found: await Promise.all(made.map((t) => f.tasks.findById(t.id))),
      page: await f.tasks.paginate({ limit: 3, sortBy: 'priority:DESC' }),
      cursor: await f.tasks.paginate({ limit: 3, sortBy: 'title:ASC', cursor: '' }),
    });
    const first = await reads();
    describes.count = 0;
    const second = await reads();
    expect(describes.count).toBe(0);
    expect(second).toEqual(first);
    const rows = await f.sql(`SELECT id, title, priority, created_at FROM tasks ORDER BY title`);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const task of first.found) {
      const row = byId.get(task!.id);
      expect(task).toMatchObject({ title: row.title, priority: row.priority, createdAt: row.created_at });
    }
    expect(first.cursor.data.map((t) => t.title)).toEqual(rows.slice(0, 3).map((r) => r.title));
    expect(first.page.data.map((t) => t.id)).toEqual(
      (await f.sql('SELECT id FROM tasks ORDER BY priority DESC LIMIT 3')).map((r) => r.id),
    );
    // A statement's first execution on the connection is described; the next ones are not.
    const updated = await f.tasks.update(made[0].id, { priority: 9 });
    describes.count = 0;
    const again = await f.tasks.update(made[0].id, { priority: 10 });
    expect(describes.count).toBe(0);

    expect([updated.priority, again.priority]).toEqual([9, 10]);
    const [{ priority }] = await f.sql('SELECT priority FROM tasks WHERE id = $1', [made[0].id]);
    expect(priority).toBe(10);
  });

  it("in a transaction too, except its first statement (it carries the BEGIN): the writes' answers are the rows", async () => {
    const db = f.moduleRef.get(DatabaseService);
    const task = await f.tasks.create({ title: 'in a transaction', priority: 1 });
    const work = (priority: number) =>
      db.transaction(async () => {
        const read = await f.tasks.findByIdOrFail(task.id);
        const updated = await f.tasks.update(task.id, { priority });
        const execution = await f.executions.create({ taskId: task.id, agentType: `agent ${priority}` });
        return { read, updated, execution };
      });
    await work(2);
    describes.count = 0;
    const { read, updated, execution } = await work(3);
    // The read is the first statement: it goes in one pipeline with BEGIN, described as before.
    expect(describes.count).toBe(1);
    expect(read.priority).toBe(2);
    const [row] = await f.sql('SELECT priority, version, updated_at FROM tasks WHERE id = $1', [task.id]);
    expect(updated).toMatchObject({ priority: 3, version: row.version, updatedAt: row.updated_at });
    const [stored] = await f.sql(
      'SELECT id, agent_type, created_at FROM task_executions WHERE task_id = $1 AND agent_type = $2',
      [task.id, 'agent 3'],
    );
    expect(execution).toMatchObject({ id: stored.id, agentType: 'agent 3', createdAt: stored.created_at });
  });

  it('a column added to the table leaves the statement and its answers as they were', async () => {
    const task = await f.tasks.create({ title: 'before', priority: 3 });
    await f.tasks.findById(task.id);
    await f.sql('ALTER TABLE tasks ADD COLUMN kc_extra int DEFAULT 7');
    try {
      expect(await f.tasks.findById(task.id)).toMatchObject({ id: task.id, title: 'before', priority: 3 });
    } finally {
      await f.sql('ALTER TABLE tasks DROP COLUMN kc_extra');
    }
  });

  it('a result column whose type changed fails the read (the server refuses it) instead of misreading its text', async () => {
    const task = await f.tasks.create({ title: 'typed', priority: 5 });
    expect((await f.tasks.findById(task.id))?.priority).toBe(5);
    await f.sql(`ALTER TABLE tasks ALTER COLUMN title TYPE varchar(300)`);
    await f.sql(`ALTER TABLE tasks ALTER COLUMN priority TYPE bigint`);
    // PostgreSQL: "cached plan must not change result type" for the statement prepared before.
    await expect(f.tasks.findById(task.id)).rejects.toThrow();
    const [{ priority }] = await f.sql('SELECT priority FROM tasks WHERE id = $1', [task.id]);
    expect(priority).toBe('5');
  });
});
