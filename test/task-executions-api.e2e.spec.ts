import { randomUUID } from 'node:crypto';
import { StartedTestApp } from './support/test-app';
import { allPages, expectError, fieldNames, http, postExecution, postTask, sql, startApiApp } from './support/api';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('/tasks/:id/executions and the task cascade over HTTP (real app, real database)', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t?.close());

  const taskRow = async (id: string) => (await sql(t, 'SELECT * FROM tasks WHERE id = $1', [id]))[0];
  const executionRows = (taskId: string) =>
    sql(t, 'SELECT id, deleted_at FROM task_executions WHERE task_id = $1 ORDER BY id', [taskId]);

  describe('executions', () => {
    it("records an execution of a task (201) with its task id, and lists only that task's executions", async () => {
      const [task, other] = [await postTask(t), await postTask(t)];
      const res = await http(t)
        .post(`/tasks/${task.id}/executions`)
        .send({ agentType: 'planner', status: 'running', logs: [{ line: 'go' }], startedAt: '2026-05-01T10:00:00Z' })
        .expect(201);
      expect(res.body).toMatchObject({
        taskId: task.id,
        agentType: 'planner',
        status: 'running',
        logs: [{ line: 'go' }],
        startedAt: '2026-05-01T10:00:00.000Z',
        completedAt: null,
        version: 1,
        createdAt: expect.stringMatching(ISO),
      });
      await postExecution(t, other.id);
      const list = await http(t).get(`/tasks/${task.id}/executions`).expect(200);
      expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([res.body.id]);
      expect(list.body.meta.totalItems).toBe(1);
      const crossed = await http(t).get(`/tasks/${task.id}/executions?filter.taskId=${other.id}`).expect(200);
      expect(crossed.body.data).toEqual([]);
    });

    it("pages through a task's executions by following links, in both modes", async () => {
      const task = await postTask(t);
      for (let i = 0; i < 11; i++) await postExecution(t, task.id, { agentType: `agent-${i % 3}` });
      await postExecution(t, (await postTask(t)).id);
      for (const first of ['limit=4', 'limit=4&cursor=', 'limit=3&cursor=&sortBy=agentType:ASC']) {
        const pages = await allPages(t, `/tasks/${task.id}/executions?${first}`);
        const ids = pages.flatMap((p) => p.data.map((e: { id: string }) => e.id));
        expect(new Set(ids).size).toBe(11);
        expect(pages.flatMap((p) => p.data.map((e: { taskId: string }) => e.taskId))).toEqual(Array(11).fill(task.id));
      }
    });

    it('answers 404 for an unknown task, on both routes, and 400 for a malformed id', async () => {
      const id = randomUUID();
      expectError(await http(t).get(`/tasks/${id}/executions`), 404);
      expectError(await http(t).post(`/tasks/${id}/executions`).send({ agentType: 'x' }), 404);
      expect(fieldNames((await http(t).get('/tasks/nope/executions')).body)).toEqual(['id']);
    });

    it.each([
      ['no agentType', {}, 'agentType'],
      ['an agentType over 100 characters', { agentType: 'a'.repeat(101) }, 'agentType'],
      ['logs as an object', { agentType: 'a', logs: { line: 1 } }, 'logs'],
      ['a non-ISO startedAt', { agentType: 'a', startedAt: 'yesterday' }, 'startedAt'],
      ['a numeric completedAt', { agentType: 'a', completedAt: 0 }, 'completedAt'],
      ['a taskId in the body', { agentType: 'a', taskId: randomUUID() }, 'taskId'],
    ])('answers 400 naming the field for %s', async (_case, body, field) => {
      const task = await postTask(t);
      const res = await http(t).post(`/tasks/${task.id}/executions`).send(body);
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual([field]);
    });
  });

  describe('cascade through HTTP', () => {
    it('DELETE /tasks/:id soft-deletes its executions; restore brings back those deleted with it', async () => {
      const task = await postTask(t);
      const executions = [
        await postExecution(t, task.id),
        await postExecution(t, task.id),
        await postExecution(t, task.id),
      ];
      const earlier = executions[0].id;
      await sql(t, `UPDATE task_executions SET deleted_at = now() - interval '1 hour' WHERE id = $1`, [earlier]);

      await http(t).delete(`/tasks/${task.id}`).expect(204);
      const deletedAt = (await taskRow(task.id)).deleted_at;
      expect(deletedAt).toBeInstanceOf(Date);
      const afterDelete = await executionRows(task.id);
      expect(afterDelete.every((e) => e.deleted_at instanceof Date)).toBe(true);
      expect(afterDelete.filter((e) => e.deleted_at.getTime() === deletedAt.getTime())).toHaveLength(2);

      expectError(await http(t).get(`/tasks/${task.id}/executions`), 404);
      expectError(await http(t).post(`/tasks/${task.id}/executions`).send({ agentType: 'late' }), 404);
      const withDeleted = await http(t).get(`/tasks/${task.id}/executions?withDeleted=true`).expect(200);
      expect(withDeleted.body.data).toHaveLength(3);
      expect(withDeleted.body.data.map((e: { deletedAt?: string }) => e.deletedAt)).toEqual(
        Array(3).fill(expect.stringMatching(ISO)),
      );

      const restored = await http(t).post(`/tasks/${task.id}/restore`).expect(200);
      expect(restored.body).toMatchObject({ id: task.id, version: 3 });
      expect(restored.body).not.toHaveProperty('deletedAt');
      const afterRestore = await executionRows(task.id);
      expect(
        afterRestore
          .filter((e) => e.deleted_at === null)
          .map((e) => e.id)
          .sort(),
      ).toEqual(
        executions
          .slice(1)
          .map((e) => e.id)
          .sort(),
      );
      expect(afterRestore.find((e) => e.id === earlier)?.deleted_at).toBeInstanceOf(Date);
      const list = await http(t).get(`/tasks/${task.id}/executions`).expect(200);
      expect(list.body.data).toHaveLength(2);
    });

    it('DELETE /tasks/:id?hard=true removes its executions and unparents its sub-tasks', async () => {
      const task = await postTask(t);
      await postExecution(t, task.id);
      const child = await postTask(t, { parentId: task.id });
      await http(t).delete(`/tasks/${task.id}?hard=true`).expect(204);
      expect(await taskRow(task.id)).toBeUndefined();
      expect(await executionRows(task.id)).toEqual([]);
      expect(await taskRow(child.id)).toMatchObject({ parent_id: null });
      expectError(await http(t).post(`/tasks/${task.id}/restore`), 404);
    });
  });
});
