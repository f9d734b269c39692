import { expectError, fieldNames, http, startApiApp } from './support/api';
import type { StartedTestApp } from './support/test-app';
import { createTenantRole, TenantRole, tenants } from './support/tenant-role';
import { createTestDatabase, TestDatabase, withAdminClient } from './support/test-database';

const { a: A, b: B } = tenants();

describe('/notes over HTTP: one tenant per request (X-Tenant-Id), isolated by row-level security', () => {
  let db: TestDatabase;
  let role: TenantRole;
  let t: StartedTestApp;
  const admin = <R = any>(text: string, values: unknown[] = []) =>
    withAdminClient(db.url, (c) => c.query(text, values)).then((r) => r.rows as R[]);
  const as = (tenant: string) => ({
    get: (path: string) => http(t).get(path).set('X-Tenant-Id', tenant),
    post: (path: string, body?: object) => http(t).post(path).set('X-Tenant-Id', tenant).send(body),
    patch: (path: string, body: object) => http(t).patch(path).set('X-Tenant-Id', tenant).send(body),
    delete: (path: string) => http(t).delete(path).set('X-Tenant-Id', tenant),
  });
  let bNote: { id: string; version: number };

  beforeAll(async () => {
    db = await createTestDatabase();
    role = await createTenantRole(db);
    t = await startApiApp({ DATABASE_URL: role.url, DB_POOL_MAX: '5' }, db);
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    await role?.drop();
  });

  beforeEach(async () => {
    await admin('TRUNCATE notes');
    for (const title of ['a1', 'a2']) expect((await as(A).post('/notes', { title })).status).toBe(201);
    const res = await as(B).post('/notes', { title: 'b1' });
    expect(res.status).toBe(201);
    bNote = res.body;
  });

  it('refuses a request without the header, or with one that is not a uuid, naming X-Tenant-Id', async () => {
    for (const res of [await http(t).get('/notes'), await http(t).post('/notes').send({ title: 'x' })]) {
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual(['X-Tenant-Id']);
    }
    const bad = await http(t).get('/notes').set('X-Tenant-Id', "1' OR '1'='1");
    expectError(bad, 400);
    expect(fieldNames(bad.body)).toEqual(['X-Tenant-Id']);
    // The other resources do not need one.
    expect((await http(t).get('/users')).status).toBe(200);
    expect(await admin(`SELECT count(*)::int AS n FROM notes WHERE title = 'x'`)).toEqual([{ n: 0 }]);
  });

  it('stamps a created note with the request’s tenant; a body cannot name one', async () => {
    expect(bNote).toMatchObject({ title: 'b1', tenantId: B, version: 1 });
    const named = await as(A).post('/notes', { title: 'x', tenantId: B });
    expectError(named, 400);
    expect(fieldNames(named.body)).toEqual(['tenantId']);
    expect(await admin('SELECT title, tenant_id FROM notes ORDER BY title')).toEqual([
      { title: 'a1', tenant_id: A },
      { title: 'a2', tenant_id: A },
      { title: 'b1', tenant_id: B },
    ]);
  });

  it('tenant A cannot read, list, update, soft delete, delete or restore B’s note: 404, and B’s row is unchanged', async () => {
    const list = await as(A).get('/notes?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.data.map((n: { title: string }) => n.title).sort()).toEqual(['a1', 'a2']);
    expect(list.body.meta.totalItems).toBe(2);
    expect((await as(A).get(`/notes?filter.tenantId=$eq:${B}`)).body.data).toEqual([]);
    expectError(await as(A).get(`/notes/${bNote.id}`), 404);
    expectError(await as(A).get(`/notes/${bNote.id}?withDeleted=true`), 404);
    expectError(await as(A).patch(`/notes/${bNote.id}`, { title: 'taken', version: 1 }), 404);
    expectError(await as(A).delete(`/notes/${bNote.id}`), 404);
    expectError(await as(A).delete(`/notes/${bNote.id}?hard=true`), 404);
    expect((await as(B).delete(`/notes/${bNote.id}`)).status).toBe(204);
    expectError(await as(A).post(`/notes/${bNote.id}/restore`), 404);
    expect(
      await admin('SELECT title, version, deleted_at IS NOT NULL AS deleted FROM notes WHERE id = $1', [bNote.id]),
    ).toEqual([{ title: 'b1', version: 2, deleted: true }]); // version 2: B's own soft delete
    expect((await as(B).post(`/notes/${bNote.id}/restore`)).status).toBe(200);
    expect((await as(B).get(`/notes/${bNote.id}`)).body).toMatchObject({ title: 'b1', tenantId: B });
  });

  it('50 concurrent requests alternating tenants on a pool of 5 never see each other’s rows', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const tenant = i % 2 ? B : A;
        const request =
          i % 5 === 0 ? as(tenant).post('/notes', { title: `n${i}` }) : as(tenant).get('/notes?limit=100');
        return request.then((res) => ({ tenant, res }));
      }),
    );
    for (const { tenant, res } of responses) {
      expect(res.status).toBeLessThan(300);
      const rows = res.body.data ?? [res.body];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((n: { tenantId: string }) => n.tenantId === tenant)).toBe(true);
    }
    expect(await admin('SELECT tenant_id, count(*)::int AS n FROM notes GROUP BY 1 ORDER BY 2')).toEqual([
      { tenant_id: B, n: 1 + 5 },
      { tenant_id: A, n: 2 + 5 },
    ]);
  });
});
