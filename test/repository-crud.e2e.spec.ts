import {
  DatabaseService,
  EntityNotDeletedError,
  EntityNotFoundError,
  EntityValidationError,
  ForeignKeyViolationError,
  OptimisticLockError,
  UniqueViolationError,
} from '../src/database';
import { ExecutionStatus, TaskStatus } from '../src/entities';
import { countStatements, RepositoryFixture, repositoryFixture } from './support/repository-fixture';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('RepositoryService: reads and writes', () => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture();
  });
  afterAll(() => f?.close());

  const user = (email: string, displayName = 'Ada') => f.users.create({ email, displayName });

  describe('create', () => {
    it('inserts one row in one statement and returns it as stored', async () => {
      let created: any;
      const statements = await countStatements(f.dataSource, async () => {
        created = await f.users.create({ email: 'one@example.com', displayName: 'One' });
      });
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/INSERT INTO "users" .* RETURNING /);
      const [row] = await f.sql('SELECT * FROM users WHERE id = $1', [created.id]);
      expect(row).toMatchObject({ email: 'one@example.com', display_name: 'One', version: 1, deleted_at: null });
      expect(created).toMatchObject({ id: row.id, version: 1, email: 'one@example.com', displayName: 'One' });
      expect(created.createdAt).toEqual(row.created_at);
    });

    it('validates inside the service with per-field messages, and writes nothing', async () => {
      const before = await f.users.count();
      // A rejection, never a synchronous throw (create, update and findByIdOrFail are not `async`).
      let pending: Promise<any> | undefined;
      expect(() => (pending = f.users.create({ email: 'not-an-email', displayName: '' }))).not.toThrow();
      expect(() => f.users.update(MISSING, null as never).catch(() => undefined)).not.toThrow();
      const error = await pending!.catch((e) => e);
      expect(error).toBeInstanceOf(EntityValidationError);
      expect(Object.keys(error.errors).sort()).toEqual(['displayName', 'email']);
      expect(await f.users.count()).toBe(before);
    });

    it('rejects unknown and managed fields, and NUL characters', async () => {
      await expect(
        f.users.create({ email: 'x@example.com', displayName: 'X', nope: 1 } as never),
      ).rejects.toMatchObject({
        errors: { nope: ['is not a writable field'] },
      });
      await expect(f.users.create({ email: 'x@example.com', displayName: 'X', version: 9 })).rejects.toMatchObject({
        errors: { version: ['is not a writable field'] },
      });
      await expect(f.users.create({ email: 'x@example.com', displayName: 'a\u0000b' })).rejects.toBeInstanceOf(
        EntityValidationError,
      );
    });

    it('maps a duplicate live email to UniqueViolationError naming the field', async () => {
      await user('dup@example.com');
      const error = await user('dup@example.com').catch((e) => e);
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect(error.fields).toEqual(['email']);
      expect(error.message).not.toMatch(/ux_users|dup@example/);
    });

    it('maps a missing referenced row to ForeignKeyViolationError naming the field', async () => {
      const error = await f.tasks.create({ title: 'T', assigneeId: MISSING }).catch((e) => e);
      expect(error).toBeInstanceOf(ForeignKeyViolationError);
      expect(error.fields).toEqual(['assigneeId']);
    });
  });

  describe('createMany', () => {
    it('inserts a large batch in one statement per 5,000 rows (the first 1,000), never row by row', async () => {
      const rows = Array.from({ length: 12_000 }, (_, i) => ({ title: `bulk ${i}`, priority: i % 11 }));
      let created: any[];
      // Every statement the module runs (the batch's run on a transaction's connection, not the pool).
      const statements: string[] = [];
      const db = f.moduleRef.get(DatabaseService);
      db.observeQueries({ onStatement: (_name, text) => statements.push(text) });
      try {
        created = await f.tasks.createMany(rows);
      } finally {
        db.observeQueries(undefined);
      }
      // One pipeline: 1,000 rows first (the server starts sooner), then 5,000 a statement.
      expect(statements).toHaveLength(4);
      expect(statements.every((s) => /unnest\(/.test(s))).toBe(true);
      expect(created).toHaveLength(12_000);
      const [{ n }] = await f.sql(`SELECT count(*)::int AS n FROM tasks WHERE title LIKE 'bulk %'`);
      expect(n).toBe(12_000);
    });

    it('stores JSON columns, enums and defaults row by row correctly', async () => {
      const task = await f.tasks.create({ title: 'with executions' });
      const [a, b] = await f.executions.createMany([
        { taskId: task.id, agentType: 'a', logs: ['x', { y: 1 }], status: ExecutionStatus.Running },
        { taskId: task.id, agentType: 'b', logs: [] },
      ]);
      const rows = await f.sql('SELECT id, logs, status FROM task_executions WHERE task_id = $1 ORDER BY agent_type', [
        task.id,
      ]);
      expect(rows).toEqual([
        { id: a.id, logs: ['x', { y: 1 }], status: 'running' },
        { id: b.id, logs: [], status: 'queued' },
      ]);
    });

    it('rejects the whole batch when one row is invalid, naming its index', async () => {
      const error = await f.users
        .createMany([
          { email: 'ok1@example.com', displayName: 'ok' },
          { email: 'bad', displayName: 'bad' },
        ])
        .catch((e) => e);
      expect(error).toBeInstanceOf(EntityValidationError);
      expect(Object.keys(error.errors)).toEqual(['1.email']);
      expect(await f.users.exists({ email: 'ok1@example.com' })).toBe(false);
    });

    it('a statement failing after others writes nothing: a batch of several statements is one transaction', async () => {
      await user('late-taken@example.com');
      const rows = Array.from({ length: 12_000 }, (_, i) => ({ email: `late${i}@example.com`, displayName: 'x' }));
      rows[11_000] = { email: 'late-taken@example.com', displayName: 'again' };
      const error = await f.users.createMany(rows).catch((e) => e);
      expect(error).toBeInstanceOf(UniqueViolationError);
      // The first two statements' 10,000 rows went with the third's failure (they were committed before).
      const [{ n }] = await f.sql(`SELECT count(*)::int AS n FROM users WHERE email LIKE 'late%@example.com'`);
      expect(n).toBe(1);
      await expect(f.users.createMany(rows.slice(0, 10))).resolves.toHaveLength(10);
    });
  });

  describe('reads', () => {
    it('findById returns the live row or null; findByIdOrFail throws EntityNotFoundError', async () => {
      const u = await user('read@example.com');
      const statements = await countStatements(f.dataSource, async () => {
        expect((await f.users.findById(u.id))?.email).toBe('read@example.com');
      });
      expect(statements).toHaveLength(1);
      expect(await f.users.findById(MISSING)).toBeNull();
      expect(await f.users.findById('not-a-uuid')).toBeNull();
      await expect(f.users.findByIdOrFail(MISSING)).rejects.toBeInstanceOf(EntityNotFoundError);
    });

    it('findOne, find, count and exists skip soft-deleted rows unless asked', async () => {
      const u = await user('hidden@example.com', 'Hidden');
      await f.users.softDelete(u.id);
      expect(await f.users.findById(u.id)).toBeNull();
      expect((await f.users.findById(u.id, { withDeleted: true }))?.deletedAt).toBeInstanceOf(Date);
      expect(await f.users.findOne({ email: 'hidden@example.com' })).toBeNull();
      expect(await f.users.exists({ email: 'hidden@example.com' })).toBe(false);
      expect(await f.users.count({ displayName: 'Hidden' })).toBe(0);
      expect(await f.users.find({ where: { displayName: 'Hidden' }, withDeleted: true })).toHaveLength(1);
    });

    it('hydrates instances of the entity whose JSON hides deletedAt on live rows only', async () => {
      const u = await user('json@example.com');
      const found = await f.users.findByIdOrFail(u.id);
      expect(found.constructor.name).toBe('User');
      expect(JSON.parse(JSON.stringify(found))).not.toHaveProperty('deletedAt');
      await f.users.softDelete(u.id);
      const deleted = await f.users.findByIdOrFail(u.id, { withDeleted: true });
      expect(JSON.parse(JSON.stringify(deleted)).deletedAt).toEqual(expect.any(String));
    });

    it('offers the TypeORM repository and manager as an escape hatch', async () => {
      expect(f.users.repository.metadata.tableName).toBe('users');
      expect(await f.users.manager.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });
  });

  describe('update with optimistic locking', () => {
    it('applies a patch in one statement, bumping version and updatedAt', async () => {
      const u = await user('upd@example.com');
      let updated: any;
      const statements = await countStatements(f.dataSource, async () => {
        updated = await f.users.update(u.id, { displayName: 'Grace' }, { expectedVersion: 1 });
      });
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/UPDATE "users" (AS u )?SET/);
      expect(updated).toMatchObject({ displayName: 'Grace', version: 2 });
      const [row] = await f.sql(
        'SELECT display_name, version, updated_at > created_at AS bumped FROM users WHERE id = $1',
        [u.id],
      );
      expect(row).toEqual({ display_name: 'Grace', version: 2, bumped: true });
    });

    it('refuses a stale version with OptimisticLockError and changes nothing', async () => {
      const u = await user('stale@example.com');
      await f.users.update(u.id, { displayName: 'v2' });
      const error = await f.users.update(u.id, { displayName: 'lost' }, { expectedVersion: 1 }).catch((e) => e);
      expect(error).toBeInstanceOf(OptimisticLockError);
      expect(error.message).toMatch(/version 2, not 1/);
      const [row] = await f.sql('SELECT display_name, version FROM users WHERE id = $1', [u.id]);
      expect(row).toEqual({ display_name: 'v2', version: 2 });
    });

    it('throws EntityNotFoundError for a missing or soft-deleted row, and validates the patch', async () => {
      await expect(f.users.update(MISSING, { displayName: 'x' })).rejects.toBeInstanceOf(EntityNotFoundError);
      const u = await user('gone-upd@example.com');
      await f.users.softDelete(u.id);
      await expect(f.users.update(u.id, { displayName: 'x' }, { expectedVersion: 2 })).rejects.toBeInstanceOf(
        EntityNotFoundError,
      );
      await expect(f.tasks.update(MISSING, { priority: 11 })).rejects.toBeInstanceOf(EntityValidationError);
    });
  });

  describe('upsert', () => {
    it('inserts, then updates the live row with the same key (partial unique index)', async () => {
      const first = await f.users.upsert({ email: 'up@example.com', displayName: 'First' }, ['email']);
      const second = await f.users.upsert({ email: 'up@example.com', displayName: 'Second' }, ['email']);
      expect(second.id).toBe(first.id);
      expect(second.version).toBe(2);
      const rows = await f.sql(`SELECT display_name FROM users WHERE email = 'up@example.com'`);
      expect(rows).toEqual([{ display_name: 'Second' }]);
    });
  });

  describe('soft delete, restore, hard delete', () => {
    it('soft-deletes and restores in one statement each', async () => {
      const u = await user('sd@example.com');
      expect(await countStatements(f.dataSource, () => f.users.softDelete(u.id))).toHaveLength(1);
      expect((await f.sql('SELECT deleted_at FROM users WHERE id = $1', [u.id]))[0].deleted_at).toBeInstanceOf(Date);
      await expect(f.users.softDelete(u.id)).rejects.toBeInstanceOf(EntityNotFoundError);
      let restored: any;
      expect(await countStatements(f.dataSource, async () => (restored = await f.users.restore(u.id)))).toHaveLength(1);
      expect(restored.deletedAt).toBeNull();
      expect((await f.sql('SELECT deleted_at FROM users WHERE id = $1', [u.id]))[0].deleted_at).toBeNull();
      await expect(f.users.restore(u.id)).rejects.toBeInstanceOf(EntityNotDeletedError);
      await expect(f.users.restore(MISSING)).rejects.toBeInstanceOf(EntityNotFoundError);
    });

    it('restore of a row whose unique key was taken again is a UniqueViolationError, and changes nothing', async () => {
      const old = await user('taken@example.com');
      await f.users.softDelete(old.id);
      await user('taken@example.com', 'New owner');
      const error = await f.users.restore(old.id).catch((e) => e);
      expect(error).toBeInstanceOf(UniqueViolationError);
      expect(error.fields).toEqual(['email']);
      expect((await f.sql('SELECT deleted_at FROM users WHERE id = $1', [old.id]))[0].deleted_at).not.toBeNull();
    });

    it('soft-deleting a task soft-deletes its executions; restoring brings back only those', async () => {
      const task = await f.tasks.create({ title: 'cascade', status: TaskStatus.InProgress });
      const [keep, earlier] = await f.executions.createMany([
        { taskId: task.id, agentType: 'keep' },
        { taskId: task.id, agentType: 'earlier' },
      ]);
      await f.executions.softDelete(earlier.id);
      await f.tasks.softDelete(task.id);
      const deleted = await f.sql('SELECT id, deleted_at FROM task_executions WHERE task_id = $1', [task.id]);
      expect(deleted.every((r: any) => r.deleted_at !== null)).toBe(true);
      await f.tasks.restore(task.id);
      const rows = await f.sql(
        'SELECT id, deleted_at IS NULL AS live FROM task_executions WHERE task_id = $1 ORDER BY agent_type',
        [task.id],
      );
      expect(rows).toEqual([
        { id: earlier.id, live: false },
        { id: keep.id, live: true },
      ]);
    });

    it('delete removes the row permanently, soft-deleted or not; executions go with their task', async () => {
      const task = await f.tasks.create({ title: 'doomed' });
      await f.executions.create({ taskId: task.id, agentType: 'a' });
      await f.tasks.softDelete(task.id);
      await f.tasks.delete(task.id);
      expect(await f.sql('SELECT 1 FROM tasks WHERE id = $1', [task.id])).toEqual([]);
      expect(await f.sql('SELECT 1 FROM task_executions WHERE task_id = $1', [task.id])).toEqual([]);
      await expect(f.tasks.delete(task.id)).rejects.toBeInstanceOf(EntityNotFoundError);
    });
  });
});
