import request from 'supertest';
import { createTestApp, StartedTestApp } from './support/test-app';

describe('audit trail over HTTP', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await createTestApp().withDatabase().start();
  });
  afterAll(() => t?.close());

  const http = () => request(t.baseUrl);

  it('records the X-Actor and the request id of each change; history lists them in order', async () => {
    const created = await http()
      .post('/users')
      .set('X-Actor', 'alice')
      .set('X-Request-Id', 'req-42')
      .send({ email: 'h@example.com', displayName: 'H' })
      .expect(201);
    const id = created.body.id;
    await http().patch(`/users/${id}`).set('X-Actor', 'bob').send({ displayName: 'H2', version: 1 }).expect(200);
    await http().delete(`/users/${id}`).expect(204);
    await http().post(`/users/${id}/restore`).set('X-Actor', 'carol').expect(200);
    const history = await http().get(`/users/${id}/history`).expect(200);
    expect(history.body.data.map((r: any) => [r.action, r.actor])).toEqual([
      ['create', 'alice'],
      ['update', 'bob'],
      ['soft_delete', 'anonymous'],
      ['restore', 'carol'],
    ]);
    expect(history.body.data[0]).toMatchObject({
      entityType: 'User',
      entityId: id,
      requestId: 'req-42',
      oldValues: null,
    });
    expect(history.body.data[1]).toMatchObject({ oldValues: { displayName: 'H' }, newValues: { displayName: 'H2' } });
    expect(Object.keys(history.body.data[0]).sort()).toEqual(
      ['action', 'actor', 'createdAt', 'entityId', 'entityType', 'id', 'newValues', 'oldValues', 'requestId'].sort(),
    );
  });

  it('GET /audit-logs filters by entityType, actor, action and a createdAt range, sorted by createdAt', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    await http().post('/tasks').set('X-Actor', 'dora').send({ title: 'audited task' }).expect(201);
    const res = await http()
      .get('/audit-logs')
      .query({
        'filter.entityType': 'Task',
        'filter.actor': 'dora',
        'filter.action': 'create',
        'filter.createdAt': `$gte:${since}`,
        sortBy: 'createdAt:DESC',
      })
      .expect(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0].newValues.title).toBe('audited task');
    await http().get('/audit-logs?filter.oldValues=x').expect(400);
    await http().get('/audit-logs?sortBy=actor:ASC').expect(400);
  });

  it('keeps 50 concurrent requests from different actors apart', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        http()
          .post('/tasks')
          .set('X-Actor', `user-${i}`)
          .send({ title: `concurrent ${i}` }),
      ),
    );
    const rows = await t.dataSource.query(
      `SELECT entity_id, actor FROM audit_logs WHERE action = 'create' AND entity_type = 'Task'`,
    );
    const actorOf = new Map(rows.map((r: any) => [r.entity_id, r.actor]));
    responses.forEach((res, i) => {
      expect(res.status).toBe(201);
      expect(actorOf.get(res.body.id)).toBe(`user-${i}`);
    });
  });

  // Regression (issue 20): the document described the history route's 404 as "No live row with
  // that id", but a soft-deleted row's history is served; only an id with no row and no history
  // is a 404.
  it("serves a soft-deleted (or hard-deleted) row's history; 404 only for an id never seen, as the document says", async () => {
    const user = (await http().post('/users').send({ email: 'gone@example.com', displayName: 'G' }).expect(201)).body;
    await http().delete(`/users/${user.id}`).expect(204);
    const soft = await http().get(`/users/${user.id}/history`).expect(200);
    expect(soft.body.data.map((r: any) => r.action)).toEqual(['create', 'soft_delete']);
    await http().delete(`/users/${user.id}?hard=true`).expect(204);
    // The trail outlives the row, so its history is still served; a row that never was is a 404.
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE id = $1`, [user.id]);
    expect(n).toBe(0);
    const hard = await http().get(`/users/${user.id}/history`).expect(200);
    expect(hard.body.data.map((r: any) => r.action)).toEqual(['create', 'soft_delete', 'delete']);
    const missing = await http().get('/users/00000000-0000-4000-8000-000000000000/history').expect(404);
    expect(missing.body.message).toBe('User 00000000-0000-4000-8000-000000000000 was not found');
    const doc = (await http().get('/docs-json').expect(200)).body;
    for (const path of ['/users/{id}/history', '/tasks/{id}/history']) {
      const described = doc.paths[path].get.responses['404'].description;
      expect(described).not.toMatch(/live row/);
      expect(described).toMatch(/soft-deleted/);
    }
  });

  it('history of an unknown entity is a 404; a bad X-Actor is a 400 naming the header', async () => {
    await http().get('/tasks/00000000-0000-4000-8000-000000000000/history').expect(404);
    await http().get('/tasks/not-a-uuid/history').expect(400);
    await http().get('/users/00000000-0000-4000-8000-000000000000/history?sortBy=x').expect(400);
    const bad = await http()
      .post('/users')
      .set('X-Actor', 'x'.repeat(300))
      .send({ email: 'bad@example.com', displayName: 'B' })
      .expect(400);
    expect(bad.body.fields).toEqual(['X-Actor']);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE email = 'bad@example.com'`);
    expect(n).toBe(0);
  });
});
