import { StartedTestApp } from './support/test-app';
import { allPages, expectError, fieldNames, http, postUser, sql, startApiApp } from './support/api';

/** Ids of every page's rows, in order. */
const idsOf = (pages: any[]): string[] => pages.flatMap((p) => p.data.map((r: { id: string }) => r.id));

describe('GET /users pagination and list grammar over HTTP', () => {
  let t: StartedTestApp;
  let live: string[];
  beforeAll(async () => {
    t = await startApiApp();
    for (let i = 0; i < 45; i++) await postUser(t, { displayName: `Member ${String(i % 9).padStart(2, '0')}` });
    const doomed = await sql(t, `SELECT id FROM users WHERE display_name = 'Member 08'`);
    for (const { id } of doomed) await http(t).delete(`/users/${id}`).expect(204);
    live = (await sql(t, 'SELECT id FROM users WHERE deleted_at IS NULL ORDER BY id')).map((r) => r.id);
    // Ties in the default sort key: the id tie-breaker alone must keep pages disjoint.
    await sql(t, `UPDATE users SET created_at = '2026-01-01T00:00:00Z' WHERE id = ANY($1)`, [live.slice(0, 20)]);
  });
  afterAll(() => t?.close());

  const dbOrder = async (orderBy: string, where = 'deleted_at IS NULL') =>
    (await sql(t, `SELECT id FROM users WHERE ${where} ORDER BY ${orderBy}`)).map((r) => r.id);

  describe('offset mode', () => {
    it('reports totals and links, and following links.next sees every live row exactly once, in order', async () => {
      const pages = await allPages(t, '/users?limit=7');
      expect(pages).toHaveLength(6);
      expect(pages[0].meta).toMatchObject({ itemsPerPage: 7, totalItems: 40, currentPage: 1, totalPages: 6 });
      expect(pages[0].meta.sortBy).toEqual([['createdAt', 'DESC']]);
      expect(pages[0].links).toMatchObject({
        first: expect.stringContaining('/users?limit=7'),
        current: expect.stringContaining('page=1'),
        next: expect.stringContaining('page=2'),
        last: expect.stringContaining('page=6'),
      });
      expect(pages[0].links.previous).toBeUndefined();
      expect(pages[5].links.next).toBeUndefined();
      const ids = idsOf(pages);
      expect(new Set(ids).size).toBe(40);
      expect(ids).toEqual(await dbOrder('created_at DESC, id DESC'));
      expect([...ids].sort()).toEqual([...live].sort());
    });

    it('skips the count with count=false (no totals, no last link)', async () => {
      const res = await http(t).get('/users?limit=10&count=false').expect(200);
      expect(res.body.meta).not.toHaveProperty('totalItems');
      expect(res.body.links).not.toHaveProperty('last');
      expect(res.body.links.next).toContain('count=false');
    });
  });

  describe('keyset mode', () => {
    it('cursor= with no value is the first page; links.next leads through every row once, without counts', async () => {
      const pages = await allPages(t, '/users?limit=6&cursor=');
      expect(pages[0].meta).toEqual({ itemsPerPage: 6, sortBy: [['createdAt', 'DESC']], filter: {}, cursor: '' });
      expect(pages[0].links.next).toMatch(/cursor=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
      expect(idsOf(pages)).toEqual(await dbOrder('created_at DESC, id DESC'));
    });

    it('keeps several sort keys with mixed directions, ties included', async () => {
      const pages = await allPages(t, '/users?limit=4&cursor=&sortBy=displayName:ASC&sortBy=createdAt:DESC');
      expect(idsOf(pages)).toEqual(await dbOrder('display_name ASC, created_at DESC, id DESC'));
    });

    it('carries filters and the deletion scope in its links', async () => {
      const pages = await allPages(t, '/users?limit=2&cursor=&onlyDeleted=true&sortBy=email:ASC');
      expect(idsOf(pages)).toEqual(await dbOrder('email ASC, id ASC', 'deleted_at IS NOT NULL'));
      const filtered = await allPages(t, '/users?limit=3&cursor=&filter.displayName=$in:Member 01,Member 02');
      expect(idsOf(filtered).sort()).toEqual(
        (await dbOrder('id', `deleted_at IS NULL AND display_name IN ('Member 01', 'Member 02')`)).sort(),
      );
    });

    it('refuses a forged, tampered or truncated cursor (400 naming cursor)', async () => {
      const first = await http(t).get('/users?limit=5&cursor=').expect(200);
      const token = new URL(first.body.links.next, 'http://x').searchParams.get('cursor')!;
      const [body, signature] = token.split('.');
      const forged = Buffer.from(JSON.stringify([['2099-01-01', live[0]], 'x'])).toString('base64url');
      for (const cursor of [`${forged}.${signature}`, `${body}.${signature.slice(1)}x`, body, 'garbage', '..']) {
        const res = await http(t).get(`/users?limit=5&cursor=${encodeURIComponent(cursor)}`);
        expectError(res, 400);
        expect(fieldNames(res.body)).toEqual(['cursor']);
      }
    });

    it('refuses a cursor reused with a different sortBy or filter (400 naming cursor)', async () => {
      const first = await http(t).get('/users?limit=5&cursor=').expect(200);
      const cursor = new URL(first.body.links.next, 'http://x').searchParams.get('cursor')!;
      for (const other of [
        'sortBy=email:ASC',
        'sortBy=createdAt:ASC',
        'filter.displayName=Member 01',
        'withDeleted=true',
      ]) {
        const res = await http(t).get(`/users?limit=5&cursor=${cursor}&${other}`);
        expectError(res, 400);
        expect(fieldNames(res.body)).toEqual(['cursor']);
      }
      await http(t).get(`/users?limit=5&cursor=${cursor}`).expect(200);
    });
  });

  describe('filters and sorting', () => {
    it('applies operators from the query string', async () => {
      const get = async (query: string) => (await http(t).get(`/users?limit=100&${query}`).expect(200)).body;
      expect((await get('filter.displayName=Member 03')).data).toHaveLength(5);
      expect((await get('filter.displayName=$not:Member 03')).meta.totalItems).toBe(35);
      expect((await get('filter.displayName=$sw:member 0')).meta.totalItems).toBe(40);
      expect(
        (await get('filter.email=$ilike:EXAMPLE.COM&filter.displayName=$in:Member 01,Member 07')).data,
      ).toHaveLength(10);
      expect((await get('filter.deletedAt=$not:$null&withDeleted=true')).meta.totalItems).toBe(5);
      expect((await get('filter.createdAt=$btw:2026-01-01T00:00:00Z,2026-01-01T00:00:00Z')).meta.totalItems).toBe(20);
      const sorted = await get('sortBy=displayName:DESC&sortBy=email:ASC');
      expect(sorted.data.map((u: { id: string }) => u.id)).toEqual(
        await dbOrder('display_name DESC, email ASC, id ASC'),
      );
    });
  });

  describe('grammar errors are 400s naming the parameter', () => {
    it.each([
      ['filter.x=1', 'filter.x'],
      ['filter.displayName=$gt:a', 'filter.displayName'],
      ['filter.createdAt=$gt:yesterday', 'filter.createdAt'],
      ['filter.id=$eq:not-a-uuid', 'filter.id'],
      ['filter.id=$unknown:1', 'filter.id'],
      ['filter.createdAt=$btw:2026-01-01', 'filter.createdAt'],
      ['filter.deletedAt=$null:x', 'filter.deletedAt'],
      ['sortBy=password:ASC', 'sortBy'],
      ['sortBy=email:SIDEWAYS', 'sortBy'],
      ['sortBy=email:ASC&sortBy=email:DESC', 'sortBy'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=5&limit=6', 'limit'],
      ['page=0', 'page'],
      ['page=2&cursor=', 'page'],
      ['withDeleted=yes', 'withDeleted'],
      ['count=maybe', 'count'],
      ['search=ada', 'search'],
      ['filter.displayName[$ne]=x', 'filter.displayName[$ne]'],
      ['filter.constructor=x', 'filter.constructor'],
    ])('%s', async (query, parameter) => {
      const res = await http(t).get(`/users?${query}`);
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual([parameter]);
      expect(res.body.message).toContain(parameter);
    });

    // Regression (found by the sweep): a 5 000-character parameter name came back whole in the 400.
    it('a long parameter name is echoed cut to 64 characters', async () => {
      for (const query of [`${'p'.repeat(5_000)}=1`, `filter.${'f'.repeat(5_000)}=1`]) {
        const res = await http(t).get(`/users?${query}`);
        expectError(res, 400);
        expect(fieldNames(res.body)).toEqual([`${query.slice(0, 64)}…`]);
        expect(res.text.length).toBeLessThan(500);
      }
    });

    // Regression: `filter.__proto__=x` set the prototype of a plain object and was silently ignored (fixed).
    it('filter.__proto__=x', async () => {
      const res = await http(t).get('/users?filter.__proto__=x');
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual(['filter.__proto__']);
    });
  });
});
