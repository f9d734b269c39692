import { countStatements } from './support/repository-fixture';
import { expectError, fieldNames, http, postExecution, postTask, postUser, sql, startApiApp } from './support/api';
import { StartedTestApp } from './support/test-app';

describe('include and relation filters over HTTP (/tasks)', () => {
  let t: StartedTestApp;
  let user: any;
  let parent: any;
  let busy: any;
  let idle: any;
  let runs: any[];

  beforeAll(async () => {
    t = await startApiApp();
    user = await postUser(t);
    parent = await postTask(t, { title: 'parent' });
    busy = await postTask(t, { title: 'busy', assigneeId: user.id, parentId: parent.id });
    idle = await postTask(t, { title: 'idle' });
    runs = [
      await postExecution(t, busy.id, {
        agentType: 'alpha',
        status: 'succeeded',
        startedAt: '2026-01-01T00:00:00.123Z',
      }),
      await postExecution(t, busy.id, { agentType: 'beta', status: 'failed' }),
      await postExecution(t, busy.id, { agentType: 'gamma', status: 'queued' }),
    ];
    await sql(t, 'UPDATE task_executions SET deleted_at = now() WHERE id = $1', [runs[2].id]);
  });
  afterAll(() => t?.close());

  it('GET /tasks/:id?include=executions,assignee,parent answers the relations, in one statement', async () => {
    let res: any;
    const statements = await countStatements(t.dataSource, async () => {
      res = await http(t).get(`/tasks/${busy.id}?include=executions,assignee&include=parent`).expect(200);
    });
    expect(statements).toHaveLength(1);
    expect(res.body.assignee).toMatchObject({ id: user.id, email: user.email });
    expect(res.body.parent).toMatchObject({ id: parent.id, title: 'parent' });
    // Live runs only, newest first, as the API writes rows (ISO dates).
    expect(res.body.executions.map((e: any) => e.id)).toEqual([runs[1].id, runs[0].id]);
    expect(res.body.executions[1]).toEqual(runs[0]);
    // Without include, no relation properties.
    const plain = await http(t).get(`/tasks/${busy.id}`).expect(200);
    expect(Object.keys(plain.body)).not.toEqual(expect.arrayContaining(['executions']));
    // withDeleted also brings soft-deleted runs.
    const all = await http(t).get(`/tasks/${busy.id}?include=executions&withDeleted=true`).expect(200);
    expect(all.body.executions).toHaveLength(3);
  });

  it('GET /tasks?include=executions: every task of the page with its runs; links keep include', async () => {
    let res: any;
    const statements = await countStatements(t.dataSource, async () => {
      res = await http(t).get('/tasks?include=executions&count=false&sortBy=title:ASC').expect(200);
    });
    expect(statements).toHaveLength(1);
    expect(res.body.data.map((task: any) => [task.title, task.executions.length])).toEqual([
      ['busy', 2],
      ['idle', 0],
      ['parent', 0],
    ]);
    expect(res.body.links.current).toContain('include=executions');
    const runsList = await http(t).get(`/tasks/${busy.id}/executions?include=task`).expect(200);
    expect(runsList.body.data.every((e: any) => e.task.id === busy.id)).toBe(true);
  });

  it('filter.executions.<field> keeps tasks having at least one live run matching every such condition', async () => {
    const titles = async (query: string) =>
      (await http(t).get(`/tasks?${query}&sortBy=title:ASC`).expect(200)).body.data.map((task: any) => task.title);
    expect(await titles('filter.executions.status=$eq:succeeded')).toEqual(['busy']);
    expect(await titles('filter.executions.status=$in:running,cancelled')).toEqual([]);
    // The same run must match both conditions: alpha succeeded, beta failed.
    expect(await titles('filter.executions.status=failed&filter.executions.agentType=alpha')).toEqual([]);
    expect(await titles('filter.executions.status=failed&filter.executions.agentType=beta')).toEqual(['busy']);
    // The soft-deleted run (gamma, queued) does not count unless deleted rows are asked for.
    expect(await titles('filter.executions.status=queued')).toEqual([]);
    expect(await titles('filter.executions.status=queued&withDeleted=true')).toEqual(['busy']);
    // Read back: what the database says about the same question.
    const expected = await sql(
      t,
      `SELECT title FROM tasks t WHERE deleted_at IS NULL AND EXISTS
         (SELECT 1 FROM task_executions e WHERE e.task_id = t.id AND e.deleted_at IS NULL AND e.status = 'succeeded')`,
    );
    expect(expected.map((r: any) => r.title)).toEqual(['busy']);
  });

  it.each([
    ['/tasks?include=owner', 'include'],
    ['/tasks?include=executions.logs', 'include'],
    ['/tasks?include=executions.task.executions.task', 'include'],
    ['/tasks?filter.executions.logs=x', 'filter.executions.logs'],
    ['/tasks?filter.owner.id=x', 'filter.owner.id'],
    ['/tasks?filter.executions.status=done', 'filter.executions.status'],
    ['/users?include=tasks', 'include'],
  ])('GET %s is a 400 naming %s', async (url, parameter) => {
    const res = await http(t).get(url);
    expectError(res, 400);
    expect(fieldNames(res.body)).toEqual([parameter]);
  });

  it('the item routes refuse a relation not allowed, and users (no relations) take no include', async () => {
    for (const url of [`/tasks/${busy.id}?include=nope`, `/users/${user.id}?include=tasks`]) {
      const res = await http(t).get(url);
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual(['include']);
    }
    expect((await http(t).get(`/tasks/${idle.id}?include=`)).status).toBe(400);
  });
});
