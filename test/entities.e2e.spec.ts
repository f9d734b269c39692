import { DataSource, QueryFailedError } from 'typeorm';
import { Task, TaskExecution, TaskStatus, User } from '../src/entities';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { openDataSource } from './support/test-data-source';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('entities on the migrated schema', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDataSource(db);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const newUser = (email: string) =>
    ds.getRepository(User).save(ds.getRepository(User).create({ email, displayName: 'Ada' }));
  const row = async (table: string, id: string) => (await ds.query(`SELECT * FROM ${table} WHERE id = $1`, [id]))[0];

  describe('base columns', () => {
    it('generates a uuid id in the database and stamps created_at, updated_at, version 1', async () => {
      const before = Date.now();
      const user = await newUser('base@example.com');
      const stored = await row('users', user.id);
      expect(stored.id).toMatch(UUID);
      expect(stored.version).toBe(1);
      expect(stored.deleted_at).toBeNull();
      expect(stored.created_at).toBeInstanceOf(Date);
      expect(Math.abs(stored.created_at.getTime() - before)).toBeLessThan(60_000);
      expect(stored.updated_at.getTime()).toBe(stored.created_at.getTime());
    });

    it('bumps version and updated_at on update', async () => {
      const user = await newUser('bump@example.com');
      const first = await row('users', user.id);
      await new Promise((r) => setTimeout(r, 5));
      user.displayName = 'Grace';
      await ds.getRepository(User).save(user);
      const second = await row('users', user.id);
      expect(second.version).toBe(2);
      expect(second.display_name).toBe('Grace');
      expect(second.updated_at.getTime()).toBeGreaterThan(first.updated_at.getTime());
      expect(second.created_at.getTime()).toBe(first.created_at.getTime());
    });

    it('stores timestamps as timestamptz', async () => {
      const types = await ds.query(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_name = 'users' AND column_name IN ('created_at', 'updated_at', 'deleted_at') ORDER BY 1`,
      );
      expect(types.map((t: { data_type: string }) => t.data_type)).toEqual(Array(3).fill('timestamp with time zone'));
    });
  });

  describe('soft delete through TypeORM', () => {
    it('softRemove sets deleted_at, hides the row from finders, and restore brings it back', async () => {
      const users = ds.getRepository(User);
      const user = await newUser('soft@example.com');
      await users.softDelete(user.id);
      expect((await row('users', user.id)).deleted_at).toBeInstanceOf(Date);
      expect(await users.findOneBy({ id: user.id })).toBeNull();
      expect(await users.findOne({ where: { id: user.id }, withDeleted: true })).not.toBeNull();
      await users.restore(user.id);
      expect((await row('users', user.id)).deleted_at).toBeNull();
      expect(await users.findOneBy({ id: user.id })).not.toBeNull();
    });
  });

  describe('email uniqueness among live users (partial unique index)', () => {
    it('rejects a second live user with the same email (23505)', async () => {
      await newUser('dup@example.com');
      const error = await newUser('dup@example.com').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(QueryFailedError);
      expect((error as { driverError: { code: string } }).driverError.code).toBe('23505');
    });

    it('lets a soft-deleted email be registered again, and keeps both rows', async () => {
      const first = await newUser('again@example.com');
      await ds.getRepository(User).softDelete(first.id);
      const second = await newUser('again@example.com');
      expect(second.id).not.toBe(first.id);
      const rows = await ds.query(
        `SELECT id, deleted_at FROM users WHERE email = 'again@example.com' ORDER BY created_at`,
      );
      expect(rows).toHaveLength(2);
      expect(rows[0].deleted_at).not.toBeNull();
      expect(rows[1].deleted_at).toBeNull();
    });
  });

  describe('tasks and executions', () => {
    it('stores the enum, priority, JSONB requirements and relations', async () => {
      const user = await newUser('worker@example.com');
      const tasks = ds.getRepository(Task);
      const parent = await tasks.save(tasks.create({ title: 'Parent' }));
      const child = await tasks.save(
        tasks.create({
          title: 'Child',
          priority: 7,
          requirements: { gpu: true, tags: ['a'] },
          assigneeId: user.id,
          parentId: parent.id,
        }),
      );
      const stored = await row('tasks', child.id);
      expect(stored).toMatchObject({ status: 'pending', priority: 7, requirements: { gpu: true, tags: ['a'] } });
      expect(stored.assignee_id).toBe(user.id);
      expect(stored.parent_id).toBe(parent.id);
      expect((await row('tasks', parent.id)).requirements).toEqual({});
      const execution = await ds.getRepository(TaskExecution).save({ taskId: child.id, agentType: 'gpt' });
      expect(await row('task_executions', execution.id)).toMatchObject({
        status: 'queued',
        logs: [],
        task_id: child.id,
      });
    });

    it('enforces priority 0-10, the status enum and foreign keys in the database', async () => {
      const codes = async (sql: string) =>
        ds.query(sql).then(
          () => 'ok',
          (e: { driverError?: { code?: string } }) => e.driverError?.code,
        );
      expect(await codes(`INSERT INTO tasks (title, priority) VALUES ('x', 11)`)).toBe('23514');
      expect(await codes(`INSERT INTO tasks (title, status) VALUES ('x', 'nope')`)).toBe('22P02');
      expect(await codes(`INSERT INTO tasks (title, assignee_id) VALUES ('x', gen_random_uuid())`)).toBe('23503');
      expect(await codes(`INSERT INTO task_executions (task_id, agent_type) VALUES (gen_random_uuid(), 'a')`)).toBe(
        '23503',
      );
      expect(Object.values(TaskStatus)).toEqual(['pending', 'in_progress', 'completed', 'failed', 'cancelled']);
    });

    it('removes executions with their task on hard delete, and unassigns tasks of a deleted user', async () => {
      const user = await newUser('gone@example.com');
      const task = await ds.getRepository(Task).save({ title: 'T', assigneeId: user.id });
      const execution = await ds.getRepository(TaskExecution).save({ taskId: task.id, agentType: 'a' });
      await ds.query('DELETE FROM users WHERE id = $1', [user.id]);
      expect((await row('tasks', task.id)).assignee_id).toBeNull();
      await ds.query('DELETE FROM tasks WHERE id = $1', [task.id]);
      expect(await row('task_executions', execution.id)).toBeUndefined();
    });
  });
});
