import { randomUUID } from 'node:crypto';
import { StartedTestApp } from './support/test-app';
import { expectError, fieldNames, http, postUser, sql, startApiApp, uniqueEmail } from './support/api';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('/users over HTTP (real app, real database)', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t?.close());

  const row = async (id: string) => (await sql(t, 'SELECT * FROM users WHERE id = $1', [id]))[0];

  describe('POST /users', () => {
    it('creates the user (201), lower-cases the email, and answers the stored row', async () => {
      const res = await http(t).post('/users').send({ email: 'Ada.LOVELACE@Example.COM', displayName: 'Ada' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        email: 'ada.lovelace@example.com',
        displayName: 'Ada',
        version: 1,
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      });
      const stored = await row(res.body.id);
      expect(stored).toMatchObject({ email: 'ada.lovelace@example.com', display_name: 'Ada', version: 1 });
      expect(stored.deleted_at).toBeNull();
      expect(stored.created_at.toISOString()).toBe(res.body.createdAt);
    });

    it('refuses a second live user with the same email, whatever its case (409 naming email, no value echoed)', async () => {
      const email = uniqueEmail('dup');
      await postUser(t, { email });
      const res = await http(t).post('/users').send({ email: email.toUpperCase(), displayName: 'Copy' });
      expectError(res, 409, email, email.toUpperCase(), 'ux_users_email_live');
      expect(fieldNames(res.body)).toEqual(['email']);
      expect((await sql(t, 'SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n).toBe(1);
    });

    it.each([
      ['a missing field', { email: 'x@example.com' }, 'displayName'],
      ['an unknown field', { email: 'x@example.com', displayName: 'X', role: 'admin' }, 'role'],
      ['a malformed email', { email: 'not-an-email', displayName: 'X' }, 'email'],
      ['a wrong type', { email: 'x@example.com', displayName: 42 }, 'displayName'],
      ['an empty name', { email: 'x@example.com', displayName: '' }, 'displayName'],
      ['a name over 200 characters', { email: 'x@example.com', displayName: 'n'.repeat(201) }, 'displayName'],
      ['an email over 320 characters', { email: `${'a'.repeat(320)}@example.com`, displayName: 'X' }, 'email'],
      ['a NUL character', { email: 'x@example.com', displayName: 'A\u0000B' }, 'displayName'],
      ['null for a required field', { email: 'x@example.com', displayName: null }, 'displayName'],
    ])('answers 400 naming the field for %s, and writes nothing', async (_case, body, field) => {
      const before = await sql(t, 'SELECT count(*)::int AS n FROM users');
      const res = await http(t).post('/users').send(body);
      expectError(res, 400);
      expect(fieldNames(res.body)).toContain(field);
      expect(res.body.fields[field]).toEqual(expect.arrayContaining([expect.any(String)]));
      expect(await sql(t, 'SELECT count(*)::int AS n FROM users')).toEqual(before);
    });

    it('accepts no query parameter (400 naming it)', async () => {
      const res = await http(t).post('/users?hard=true').send({ email: uniqueEmail(), displayName: 'X' });
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual(['hard']);
    });
  });

  describe('GET /users/:id', () => {
    it('answers the live row (200)', async () => {
      const user = await postUser(t);
      const res = await http(t).get(`/users/${user.id}`).expect(200);
      expect(res.body).toEqual(user);
    });

    it('answers 404 for an unknown id and 400 naming id for a malformed one', async () => {
      expectError(await http(t).get(`/users/${randomUUID()}`), 404);
      const res = await http(t).get('/users/not-a-uuid');
      expectError(res, 400);
      expect(res.body.fields).toEqual({ id: ['must be a uuid'] });
    });

    it('hides a soft-deleted row unless withDeleted=true, which shows deletedAt', async () => {
      const user = await postUser(t);
      await http(t).delete(`/users/${user.id}`).expect(204);
      expectError(await http(t).get(`/users/${user.id}`), 404);
      expectError(await http(t).get(`/users/${user.id}?withDeleted=false`), 404);
      const res = await http(t).get(`/users/${user.id}?withDeleted=true`).expect(200);
      expect(res.body).toMatchObject({ id: user.id, deletedAt: expect.stringMatching(ISO) });
    });

    it.each([
      ['an unknown parameter', '?foo=1', 'foo'],
      ['a list parameter', '?limit=5', 'limit'],
      ['a non-boolean flag', '?withDeleted=yes', 'withDeleted'],
      ['a repeated flag', '?withDeleted=true&withDeleted=true', 'withDeleted'],
    ])('answers 400 naming %s', async (_case, query, field) => {
      const user = await postUser(t);
      const res = await http(t).get(`/users/${user.id}${query}`);
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual([field]);
    });
  });

  describe('PATCH /users/:id', () => {
    it('applies the patch at the version read (200, version + 1) and stores it', async () => {
      const user = await postUser(t);
      const res = await http(t).patch(`/users/${user.id}`).send({ displayName: 'Grace', version: 1 }).expect(200);
      expect(res.body).toMatchObject({ id: user.id, displayName: 'Grace', email: user.email, version: 2 });
      expect(res.body.updatedAt >= user.updatedAt).toBe(true);
      expect(await row(user.id)).toMatchObject({ display_name: 'Grace', version: 2 });
    });

    it('refuses a stale version with 409 and changes nothing', async () => {
      const user = await postUser(t);
      await http(t).patch(`/users/${user.id}`).send({ displayName: 'First', version: 1 }).expect(200);
      const res = await http(t).patch(`/users/${user.id}`).send({ displayName: 'Second', version: 1 });
      expectError(res, 409);
      expect(fieldNames(res.body)).toEqual(['version']);
      expect(await row(user.id)).toMatchObject({ display_name: 'First', version: 2 });
    });

    it.each([
      ['no version', { displayName: 'X' }, 'version'],
      ['a string version', { displayName: 'X', version: '1' }, 'version'],
      ['version 0', { displayName: 'X', version: 0 }, 'version'],
      ['null for a non-nullable field', { displayName: null, version: 1 }, 'displayName'],
      ['an unknown field', { id: randomUUID(), version: 1 }, 'id'],
      ['a managed column', { createdAt: '2020-01-01T00:00:00Z', version: 1 }, 'createdAt'],
      ['a malformed email', { email: 'nope', version: 1 }, 'email'],
    ])('answers 400 naming the field for %s, and changes nothing', async (_case, body, field) => {
      const user = await postUser(t);
      const res = await http(t).patch(`/users/${user.id}`).send(body);
      expectError(res, 400);
      expect(fieldNames(res.body)).toContain(field);
      expect(await row(user.id)).toMatchObject({ display_name: user.displayName, version: 1 });
    });

    it('answers 404 for an unknown or soft-deleted id', async () => {
      expectError(await http(t).patch(`/users/${randomUUID()}`).send({ displayName: 'X', version: 1 }), 404);
      const user = await postUser(t);
      await http(t).delete(`/users/${user.id}`).expect(204);
      expectError(await http(t).patch(`/users/${user.id}`).send({ displayName: 'X', version: 2 }), 404);
    });

    it('answers 409 when the new email belongs to another live user', async () => {
      const [a, b] = [await postUser(t), await postUser(t)];
      const res = await http(t).patch(`/users/${b.id}`).send({ email: a.email, version: 1 });
      expectError(res, 409, a.email);
      expect(fieldNames(res.body)).toEqual(['email']);
    });
  });

  // Regression (issue 20, found by the OpenAPI property test): on PostgreSQL 18 the audited
  // UPDATE … RETURNING WITH (OLD AS o) of an empty patch ended in ", " and answered 500.
  describe('PATCH /users/:id with nothing but the version', () => {
    it('bumps the version (200), changes no field, and audits an update with no changes', async () => {
      const user = await postUser(t);
      const res = await http(t).patch(`/users/${user.id}`).send({ version: 1 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id, email: user.email, displayName: user.displayName, version: 2 });
      expect(await row(user.id)).toMatchObject({ email: user.email, display_name: user.displayName, version: 2 });
      const trail = await sql(t, 'SELECT action, old_values, new_values FROM audit_logs WHERE entity_id = $1', [
        user.id,
      ]);
      expect(trail.map((r) => r.action)).toEqual(['create', 'update']);
      expect(trail[1]).toMatchObject({ old_values: {}, new_values: {} });
      expectError(await http(t).patch(`/users/${user.id}`).send({ version: 1 }), 409);
    });
  });

  describe('DELETE /users/:id and POST /users/:id/restore', () => {
    it('soft-deletes (204): the row stays with deleted_at set and leaves the list', async () => {
      const user = await postUser(t);
      const res = await http(t).delete(`/users/${user.id}`).expect(204);
      expect(res.text).toBe('');
      expect((await row(user.id)).deleted_at).toBeInstanceOf(Date);
      const list = await http(t).get(`/users?filter.id=${user.id}`).expect(200);
      expect(list.body.data).toEqual([]);
      expectError(await http(t).delete(`/users/${user.id}`), 404);
    });

    it('restores (200 with the row, no deletedAt) and the row is live again', async () => {
      const user = await postUser(t);
      await http(t).delete(`/users/${user.id}`).expect(204);
      const res = await http(t).post(`/users/${user.id}/restore`).expect(200);
      expect(res.body).toMatchObject({ id: user.id, email: user.email, version: 3 });
      expect(res.body).not.toHaveProperty('deletedAt');
      expect((await row(user.id)).deleted_at).toBeNull();
    });

    it('answers 409 "is not deleted" to restoring a live user (GET answers 200), 404 to a missing one; nothing changes', async () => {
      const user = await postUser(t);
      await http(t).get(`/users/${user.id}`).expect(200);
      const live = await http(t).post(`/users/${user.id}/restore`);
      expectError(live, 409);
      expect(live.body).toMatchObject({ message: `User ${user.id} is not deleted: there is nothing to restore` });
      expect(fieldNames(live.body)).toEqual(['id']);
      expect(await row(user.id)).toMatchObject({ version: 1, deleted_at: null });
      const trail = await sql(t, 'SELECT action FROM audit_logs WHERE entity_id = $1', [user.id]);
      expect(trail.map((r) => r.action)).toEqual(['create']);
      const missing = randomUUID();
      const res = await http(t).post(`/users/${missing}/restore`);
      expectError(res, 404);
      expect(res.body.message).toBe(`User ${missing} was not found`);
      expect(await row(missing)).toBeUndefined();
    });

    it('refuses to restore a user whose email was taken again meanwhile (409 naming email)', async () => {
      const email = uniqueEmail('taken');
      const first = await postUser(t, { email });
      await http(t).delete(`/users/${first.id}`).expect(204);
      await postUser(t, { email });
      const res = await http(t).post(`/users/${first.id}/restore`);
      expectError(res, 409, email);
      expect(fieldNames(res.body)).toEqual(['email']);
      expect((await row(first.id)).deleted_at).toBeInstanceOf(Date);
    });

    it('deletes permanently with hard=true (204), soft-deleted rows too', async () => {
      const [live, soft] = [await postUser(t), await postUser(t)];
      await http(t).delete(`/users/${soft.id}`).expect(204);
      await http(t).delete(`/users/${live.id}?hard=true`).expect(204);
      await http(t).delete(`/users/${soft.id}?hard=true`).expect(204);
      expect(await row(live.id)).toBeUndefined();
      expect(await row(soft.id)).toBeUndefined();
      expectError(await http(t).delete(`/users/${live.id}?hard=true`), 404);
    });

    it('answers 400 for a bad hard flag or another parameter, and deletes nothing', async () => {
      const user = await postUser(t);
      for (const query of ['?hard=yes', '?hard=1', '?force=true', '?hard=true&hard=true']) {
        expectError(await http(t).delete(`/users/${user.id}${query}`), 400);
      }
      expect((await row(user.id)).deleted_at).toBeNull();
    });
  });
});
