import { randomUUID } from 'node:crypto';
import { StartedTestApp } from './support/test-app';
import { expectError, fieldNames, http, postTask, postUser, sql, startApiApp } from './support/api';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('/tasks over HTTP (real app, real database)', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t?.close());

  const taskRow = async (id: string) => (await sql(t, 'SELECT * FROM tasks WHERE id = $1', [id]))[0];

  describe('tasks', () => {
    it('creates a task with defaults (201) and answers the stored row', async () => {
      const res = await http(t).post('/tasks').send({ title: 'Write docs' }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(String),
        title: 'Write docs',
        description: null,
        status: 'pending',
        priority: 0,
        requirements: {},
        assigneeId: null,
        parentId: null,
        version: 1,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
      expect(await taskRow(res.body.id)).toMatchObject({ title: 'Write docs', status: 'pending', priority: 0 });
    });

    it('creates a task with every field, references included', async () => {
      const user = await postUser(t);
      const parent = await postTask(t);
      const body = {
        title: 'Child',
        description: 'Longer text',
        status: 'in_progress',
        priority: 10,
        requirements: { skills: ['sql', 'ts'], nested: { gpu: false, n: 2 } },
        assigneeId: user.id,
        parentId: parent.id,
      };
      const res = await http(t).post('/tasks').send(body).expect(201);
      expect(res.body).toMatchObject(body);
      expect(await taskRow(res.body.id)).toMatchObject({
        assignee_id: user.id,
        parent_id: parent.id,
        requirements: body.requirements,
      });
    });

    it('answers 409 naming the field when assigneeId or parentId points nowhere, and writes nothing', async () => {
      const before = await sql(t, 'SELECT count(*)::int AS n FROM tasks');
      for (const field of ['assigneeId', 'parentId']) {
        const res = await http(t)
          .post('/tasks')
          .send({ title: 'Orphan', [field]: randomUUID() });
        expectError(res, 409);
        expect(fieldNames(res.body)).toEqual([field]);
      }
      expect(await sql(t, 'SELECT count(*)::int AS n FROM tasks')).toEqual(before);
    });

    it.each([
      ['priority 11', { title: 'x', priority: 11 }, 'priority'],
      ['priority -1', { title: 'x', priority: -1 }, 'priority'],
      ['a fractional priority', { title: 'x', priority: 1.5 }, 'priority'],
      ['an unknown status', { title: 'x', status: 'done' }, 'status'],
      ['null status', { title: 'x', status: null }, 'status'],
      ['requirements as an array', { title: 'x', requirements: [1] }, 'requirements'],
      [
        'requirements nested 9 deep',
        { title: 'x', requirements: { a: { b: { c: { d: { e: { f: { g: { h: {} } } } } } } } } },
        'requirements',
      ],
      ['requirements over 16 kB', { title: 'x', requirements: { blob: 'x'.repeat(17_000) } }, 'requirements'],
      ['a NUL inside requirements', { title: 'x', requirements: { a: 'b\u0000' } }, 'requirements'],
      ['a malformed assigneeId', { title: 'x', assigneeId: 'user-1' }, 'assigneeId'],
      ['a title over 200 characters', { title: 't'.repeat(201) }, 'title'],
      ['a description over 10000 characters', { title: 'x', description: 'd'.repeat(10_001) }, 'description'],
    ])('answers 400 naming the field for %s', async (_case, body, field) => {
      const res = await http(t).post('/tasks').send(body);
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual([field]);
    });

    // Regression: prepared statement names over 63 bytes were truncated by PostgreSQL and collided (42P05, fixed).
    it('creates tasks with different sets of optional fields, one after another (prepared statement names)', async () => {
      const full = {
        title: 'a',
        description: 'd',
        status: 'pending',
        priority: 1,
        requirements: {},
        assigneeId: null,
        parentId: null,
      };
      const { status: _status, ...withoutStatus } = full;
      const statuses: number[] = [];
      for (const body of [full, withoutStatus, full, withoutStatus])
        statuses.push((await http(t).post('/tasks').send(body)).status);
      expect(statuses).toEqual([201, 201, 201, 201]);
    });

    it('patches at the version read, clears nullable fields with null, and refuses a stale version', async () => {
      const user = await postUser(t);
      const task = await postTask(t, { assigneeId: user.id, description: 'old' });
      const res = await http(t)
        .patch(`/tasks/${task.id}`)
        .send({ assigneeId: null, description: null, priority: 7, status: 'completed', version: 1 })
        .expect(200);
      expect(res.body).toMatchObject({
        assigneeId: null,
        description: null,
        priority: 7,
        status: 'completed',
        version: 2,
      });
      expect(await taskRow(task.id)).toMatchObject({ assignee_id: null, description: null, priority: 7, version: 2 });
      expectError(await http(t).patch(`/tasks/${task.id}`).send({ priority: 1, version: 1 }), 409);
      expectError(await http(t).patch(`/tasks/${task.id}`).send({ title: null, version: 2 }), 400);
      expect(await taskRow(task.id)).toMatchObject({ priority: 7, version: 2 });
    });

    it('lists with filters and sorting over task fields', async () => {
      const user = await postUser(t);
      for (const priority of [1, 5, 9]) await postTask(t, { title: `P${priority}`, priority, assigneeId: user.id });
      const res = await http(t)
        .get(`/tasks?filter.assigneeId=${user.id}&filter.priority=$gte:5&sortBy=priority:DESC`)
        .expect(200);
      expect(res.body.data.map((x: { title: string }) => x.title)).toEqual(['P9', 'P5']);
      const none = await http(t).get(`/tasks?filter.assigneeId=${user.id}&filter.status=$in:failed,cancelled`);
      expect(none.body.meta.totalItems).toBe(0);
      expectError(await http(t).get('/tasks?filter.requirements=x'), 400);
    });

    // Regression (found by the OpenAPI-driven sweep): values that passed the parser but not PostgreSQL
    // (2020-02-30, which Date.parse rolls over to March 1; year 0; a +16:00 offset; 32768 for a
    // smallint) reached SQL and came back as a 400 naming `value` instead of the parameter.
    it.each([
      ['filter.priority=$gt:32768', 'filter.priority'],
      ['filter.priority=-32769', 'filter.priority'],
      ['filter.priority=$in:1,2147483648', 'filter.priority'],
      ['filter.updatedAt=$gt:2020-02-30', 'filter.updatedAt'],
      ['filter.createdAt=$lt:2021-02-29T00:00:00Z', 'filter.createdAt'],
      ['filter.createdAt=$lt:0000-01-01T00:00:00Z', 'filter.createdAt'],
      ['filter.createdAt=$gt:2020-01-01T00:00:00%2B16:00', 'filter.createdAt'],
      ['filter.deletedAt=$btw:2020-01-01,2020-01-01T24:00:00Z', 'filter.deletedAt'],
    ])('refuses %s, which PostgreSQL would refuse, naming the parameter', async (query, parameter) => {
      const res = await http(t).get(`/tasks?${query}`);
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual([parameter]);
    });

    it('accepts the edges PostgreSQL accepts: smallint bounds, a leap day, year 1, a ±15:59 offset', async () => {
      for (const query of [
        'filter.priority=$lte:32767',
        'filter.priority=$gte:-32768',
        'filter.createdAt=$gt:2024-02-29',
        'filter.createdAt=$gt:0001-01-01T00:00:00Z',
        'filter.createdAt=$lt:9999-12-31T23:59:59.999999%2B15:59',
      ]) {
        expect([query, (await http(t).get(`/tasks?${query}`)).status]).toEqual([query, 200]);
      }
    });

    it('restores a soft-deleted task (200), answers 409 to restoring a live one and 404 to a missing one', async () => {
      const task = await postTask(t);
      const live = await http(t).post(`/tasks/${task.id}/restore`);
      expectError(live, 409);
      expect(live.body.message).toBe(`Task ${task.id} is not deleted: there is nothing to restore`);
      expect(await taskRow(task.id)).toMatchObject({ version: 1, deleted_at: null });
      await http(t).delete(`/tasks/${task.id}`).expect(204);
      const restored = await http(t).post(`/tasks/${task.id}/restore`).expect(200);
      expect(restored.body).toMatchObject({ id: task.id, version: 3 });
      expect(await taskRow(task.id)).toMatchObject({ version: 3, deleted_at: null });
      expectError(await http(t).post(`/tasks/${randomUUID()}/restore`), 404);
    });

    it('hard-deletes a user: their tasks stay, unassigned', async () => {
      const user = await postUser(t);
      const task = await postTask(t, { assigneeId: user.id });
      await http(t).delete(`/users/${user.id}?hard=true`).expect(204);
      expect(await taskRow(task.id)).toMatchObject({ assignee_id: null, deleted_at: null });
    });
  });
});
