import { InvalidQueryError, ListQueryInput, Page } from '../src/database';
import { Task, TaskStatus } from '../src/entities';
import { countStatements, RepositoryFixture, repositoryFixture } from './support/repository-fixture';

const STATUSES = Object.values(TaskStatus);
const ROWS = 230;

/** Follows `links.next` from the first keyset page to the end. */
async function walkCursor(
  f: RepositoryFixture,
  query: ListQueryInput,
): Promise<{ pages: Array<Page<Task>>; ids: string[] }> {
  const pages: Array<Page<Task>> = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const page = await f.tasks.paginate({ ...query, cursor });
    pages.push(page);
    if (!page.links.next) break;
    cursor = new URL(`http://x${page.links.next}`).searchParams.get('cursor')!;
  }
  return { pages, ids: pages.flatMap((p) => p.data.map((t) => t.id)) };
}

describe('RepositoryService.paginate', () => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture();
    // Few distinct priorities and statuses: plenty of ties in every sort key.
    await f.tasks.createMany(
      Array.from({ length: ROWS }, (_, i) => ({
        title: `task ${String(i).padStart(3, '0')}${i % 7 === 0 ? ' urgent_50%' : ''}`,
        priority: i % 4,
        status: STATUSES[i % STATUSES.length],
      })),
    );
    const doomed = await f.tasks.findOne({ title: 'task 001' });
    await f.tasks.softDelete(doomed!.id);
  });
  afterAll(() => f?.close());

  const sqlIds = async (where: string, order: string) =>
    (await f.sql(`SELECT id FROM tasks WHERE ${where} ORDER BY ${order}`)).map((r: { id: string }) => r.id);

  it('keeps a compiled list input for the next call: same rows as the database, other values apart, meta its own', async () => {
    const input = { limit: 10, filter: { priority: '2' }, sortBy: 'createdAt:DESC' };
    const filter: Record<string, string | string[]> = { priority: ['$gte:2'] };
    const kept = await f.tasks.paginate({ ...input, filter });
    (filter.priority as string[]).push('$lte:3');
    expect((await f.tasks.paginate({ ...input, filter: { priority: ['$gte:2'] } })).meta.filter).toEqual(
      kept.meta.filter,
    );
    expect(kept.meta.filter).toEqual({ priority: ['$gte:2'] });
    const first = await f.tasks.paginate({ ...input, filter: { ...input.filter } });
    first.meta.filter!.priority = '3';
    first.meta.sortBy!.length = 0;
    const again = await f.tasks.paginate({ ...input, filter: { ...input.filter } });
    const expected = (await sqlIds('priority = 2 AND deleted_at IS NULL', 'created_at DESC, id DESC')).slice(0, 10);
    expect(again.data.map((t) => t.id)).toEqual(expected);
    expect(again.meta.filter).toEqual({ priority: '2' });
    expect(again.meta.sortBy).toEqual([['createdAt', 'DESC']]);
    // The same text as a number (which the parser refuses), and another value: each its own query.
    const numeric = { ...input, filter: { priority: 2 as unknown as string } };
    await expect(f.tasks.paginate(numeric)).rejects.toThrow('filter.priority: must be plain text');
    const other = await f.tasks.paginate({ ...input, filter: { priority: '3' } });
    expect(other.data.map((t) => t.id)).toEqual(
      (await sqlIds('priority = 3 AND deleted_at IS NULL', 'created_at DESC, id DESC')).slice(0, 10),
    );
    // A value the parser refuses is refused on every call, never answered from a kept query.
    const dated = { ...input, filter: { createdAt: new Date() as unknown as string } };
    await expect(f.tasks.paginate(dated)).rejects.toThrow(InvalidQueryError);
    await expect(f.tasks.paginate(dated)).rejects.toThrow(InvalidQueryError);
  });

  it('hydrates page rows (read as arrays) and findById exactly as TypeORM reads them', async () => {
    const typeorm = f.tasks.repository;
    for (const query of [
      { limit: 5, page: 3 },
      { limit: 5, cursor: '' },
      { limit: 5, page: 30 },
    ] as ListQueryInput[]) {
      const page = await f.tasks.paginate({ ...query, sortBy: 'createdAt:DESC' });
      expect(page.data).toHaveLength(5);
      for (const task of page.data) {
        expect(task).toBeInstanceOf(Task);
        expect(task.createdAt).toBeInstanceOf(Date);
        const stored = await typeorm.findOneByOrFail({ id: task.id });
        // TypeORM also sets its relation properties to undefined: `toEqual` ignores those.
        expect(task).toEqual(stored);
        expect(await f.tasks.findById(task.id)).toEqual(stored);
        expect(Object.keys(task)).toEqual(Object.keys((await f.tasks.findById(task.id))!));
      }
    }
  });

  describe('offset mode', () => {
    it('returns the page, totals and links as nestjs-paginate does', async () => {
      const page = await f.tasks.paginate({ limit: 50, page: 2, sortBy: 'title:ASC' }, { path: '/tasks' });
      expect(page.meta).toEqual({
        itemsPerPage: 50,
        totalItems: ROWS - 1,
        currentPage: 2,
        totalPages: 5,
        sortBy: [['title', 'ASC']],
        filter: {},
      });
      expect(page.data.map((t) => t.id)).toEqual((await sqlIds('deleted_at IS NULL', 'title, id')).slice(50, 100));
      expect(page.links).toEqual({
        first: '/tasks?limit=50&sortBy=title%3AASC&page=1',
        previous: '/tasks?limit=50&sortBy=title%3AASC&page=1',
        current: '/tasks?limit=50&sortBy=title%3AASC&page=2',
        next: '/tasks?limit=50&sortBy=title%3AASC&page=3',
        last: '/tasks?limit=50&sortBy=title%3AASC&page=5',
      });
    });

    it('defaults to 20 rows sorted by createdAt DESC with the id tie-breaker', async () => {
      const page = await f.tasks.paginate();
      expect(page.data).toHaveLength(20);
      expect(page.meta.sortBy).toEqual([['createdAt', 'DESC']]);
      expect(page.data.map((t) => t.id)).toEqual(
        (await sqlIds('deleted_at IS NULL', 'created_at DESC, id DESC')).slice(0, 20),
      );
    });

    it('can skip the count: one statement, no totals, no last link', async () => {
      let page: any;
      const statements = await countStatements(
        f.dataSource,
        async () => (page = await f.tasks.paginate({ count: 'false' })),
      );
      expect(statements).toHaveLength(1);
      expect(page.meta.totalItems).toBeUndefined();
      expect(page.links.last).toBeUndefined();
      expect(page.links.next).toContain('count=false');
    });
  });

  describe('keyset mode', () => {
    it.each([['priority:DESC'], [['priority:ASC', 'title:DESC']], [['status:ASC', 'createdAt:DESC']]])(
      'walks every live row exactly once with ties in the sort key (%j)',
      async (sortBy) => {
        const { pages, ids } = await walkCursor(f, { limit: 17, sortBy: sortBy as string[] });
        expect(ids).toHaveLength(ROWS - 1);
        expect(new Set(ids).size).toBe(ROWS - 1);
        expect(pages.every((p) => p.meta.totalItems === undefined)).toBe(true);
        expect(pages.at(-1)!.links.next).toBeUndefined();
      },
    );

    it('hands out entities with their own fields only (the sort keys the cursor is made of stay behind)', async () => {
      const page = await f.tasks.paginate({ cursor: '', limit: 3, sortBy: ['priority:ASC', 'title:DESC'] });
      const stored = await f.tasks.findById(page.data[0].id);
      expect(page.data[0]).toBeInstanceOf(Task);
      expect(Object.keys(page.data[0]).sort()).toEqual(Object.keys(stored!).sort());
      expect(page.data[0]).toEqual(stored);
    });

    it('orders exactly as PostgreSQL does, and never counts the table', async () => {
      const statements = await countStatements(f.dataSource, () =>
        walkCursor(f, { limit: 40, sortBy: ['priority:ASC', 'title:DESC'] }),
      );
      expect(statements.every((s) => !/count\(/.test(s))).toBe(true);
      const { ids } = await walkCursor(f, { limit: 40, sortBy: ['priority:ASC', 'title:DESC'] });
      expect(ids).toEqual(await sqlIds('deleted_at IS NULL', 'priority ASC, title DESC, id DESC'));
    });

    it("takes the cursor's keys from the rows as the server sent them: a timestamp to the microsecond, no second ::text column", async () => {
      // Twelve live rows within one millisecond, a microsecond apart (a Date would tie them all).
      await f.sql(
        `UPDATE tasks SET created_at = timestamptz '2031-01-01 00:00:00.000100+00' + t.n * interval '1 microsecond'
           FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM tasks WHERE priority = 1 AND deleted_at IS NULL LIMIT 12) t
          WHERE tasks.id = t.id`,
      );
      const query = { limit: 5, filter: { priority: '1' }, sortBy: 'createdAt:DESC' };
      const statements = await countStatements(f.dataSource, () => walkCursor(f, query));
      const { ids, pages } = await walkCursor(f, query);
      expect(ids).toEqual(await sqlIds('priority = 1 AND deleted_at IS NULL', 'created_at DESC, id DESC'));
      expect(pages.length).toBeGreaterThan(3);
      expect(statements.length).toBe(pages.length);
      expect(statements.every((s) => !s.includes('::text'))).toBe(true);
    });

    it('combines with filters, and rejects a cursor reused with another sort or filter', async () => {
      const { ids, pages } = await walkCursor(f, { limit: 10, filter: { status: '$eq:pending' } });
      expect(ids).toEqual(await sqlIds(`deleted_at IS NULL AND status = 'pending'`, 'created_at DESC, id DESC'));
      const cursor = new URL(`http://x${pages[0].links.next}`).searchParams.get('cursor')!;
      await expect(f.tasks.paginate({ cursor, filter: { status: '$eq:failed' } })).rejects.toMatchObject({
        parameter: 'cursor',
      });
      await expect(
        f.tasks.paginate({ cursor, sortBy: 'title:ASC', filter: { status: '$eq:pending' } }),
      ).rejects.toThrow(/different sortBy/);
    });

    it('rejects forged and tampered cursors', async () => {
      const page = await f.tasks.paginate({ cursor: '', limit: 5 });
      const cursor = new URL(`http://x${page.links.next}`).searchParams.get('cursor')!;
      const [body, sig] = cursor.split('.');
      const forged = Buffer.from(
        JSON.stringify([['9999-01-01', 'ffffffff-ffff-4fff-bfff-ffffffffffff'], 'x']),
      ).toString('base64url');
      for (const bad of [`${forged}.${sig}`, `${body}.${sig.slice(1)}x`, 'garbage', `${body}`, `${body}.${sig}.x`]) {
        await expect(f.tasks.paginate({ cursor: bad, limit: 5 })).rejects.toThrow(
          /cursor: is not a cursor this service issued/,
        );
      }
    });

    it("checks each call's cursor against a kept page after a cursor: forged, foreign and valid ones alike", async () => {
      const pending = { limit: 10, filter: { status: '$eq:pending' } };
      const failed = { limit: 10, filter: { status: '$eq:failed' } };
      // Both queries walked to the end: their pages after a cursor are compiled and kept.
      const walked = await walkCursor(f, pending);
      await walkCursor(f, failed);
      const cursorOf = (page: Page<Task>) => new URL(`http://x${page.links.next}`).searchParams.get('cursor')!;
      const [first, second] = walked.pages.map(cursorOf);
      // One statement serves every cursor: each call's rows follow its own cursor.
      const expected = await sqlIds(`deleted_at IS NULL AND status = 'pending'`, 'created_at DESC, id DESC');
      expect((await f.tasks.paginate({ ...pending, cursor: second })).data.map((t) => t.id)).toEqual(
        expected.slice(20, 30),
      );
      expect((await f.tasks.paginate({ ...pending, cursor: first })).data.map((t) => t.id)).toEqual(
        expected.slice(10, 20),
      );
      await expect(f.tasks.paginate({ ...failed, cursor: first })).rejects.toThrow(
        /cursor: was issued for a different/,
      );
      const [body, sig] = first.split('.');
      const forged = Buffer.from(JSON.stringify([['9999-01-01', 'ffffffff-ffff-4fff-bfff-ffffffffffff'], 'x']));
      for (const bad of [`${forged.toString('base64url')}.${sig}`, `${body}.${sig.slice(1)}x`, 'garbage']) {
        await expect(f.tasks.paginate({ ...pending, cursor: bad })).rejects.toThrow(
          /cursor: is not a cursor this service issued/,
        );
      }
    });
  });

  describe('filters', () => {
    const ids = async (filter: Record<string, string | string[]>, withDeleted = false) =>
      (await f.tasks.paginate({ limit: 100, filter, sortBy: 'title:ASC', withDeleted: String(withDeleted) })).data
        .map((t) => t.title)
        .sort();
    const titles = async (where: string) =>
      (await f.sql(`SELECT title FROM tasks WHERE ${where} ORDER BY title LIMIT 100`)).map((r: any) => r.title).sort();

    it.each([
      [{ priority: '2' }, 'priority = 2'],
      [{ priority: '$eq:2' }, 'priority = 2'],
      [{ priority: '$not:2' }, 'NOT (priority = 2)'],
      [{ priority: '$gt:2' }, 'priority > 2'],
      [{ priority: '$gte:2' }, 'priority >= 2'],
      [{ priority: '$lt:1' }, 'priority < 1'],
      [{ priority: '$lte:1' }, 'priority <= 1'],
      [{ priority: '$in:0,3' }, 'priority IN (0, 3)'],
      [{ priority: '$not:$in:0,3' }, 'priority NOT IN (0, 3)'],
      [{ priority: '$btw:1,2' }, 'priority BETWEEN 1 AND 2'],
      [{ status: '$in:failed,cancelled' }, `status IN ('failed', 'cancelled')`],
      [{ title: '$ilike:URGENT' }, `title ILIKE '%urgent%'`],
      [{ title: '$ilike:50%' }, `title LIKE '%50\\%%'`],
      [{ title: '$sw:task 01' }, `title LIKE 'task 01%'`],
      [{ title: '$sw:task_0' }, `title LIKE 'task\\_0%'`],
      [{ description: '$null' }, 'description IS NULL'],
      [{ description: '$not:$null' }, 'description IS NOT NULL'],
      [{ priority: ['$gte:1', '$lte:2'] }, 'priority BETWEEN 1 AND 2'],
    ])('%j matches SQL "%s"', async (filter, where) => {
      expect(await ids(filter)).toEqual(await titles(`deleted_at IS NULL AND ${where}`));
    });

    it('withDeleted includes soft-deleted rows; onlyDeleted returns only them', async () => {
      expect((await f.tasks.paginate({ filter: { title: 'task 001' } })).data).toHaveLength(0);
      expect((await f.tasks.paginate({ filter: { title: 'task 001' }, withDeleted: true })).data).toHaveLength(1);
      const only = await f.tasks.paginate({ onlyDeleted: 'true' });
      expect(only.data.map((t) => t.title)).toEqual(['task 001']);
      expect(JSON.parse(JSON.stringify(only.data[0])).deletedAt).toEqual(expect.any(String));
    });
  });

  describe('allow-lists and grammar errors name the parameter', () => {
    it.each([
      [{ limit: 0 }, 'limit'],
      [{ limit: 101 }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ page: 0 }, 'page'],
      [{ page: '1', cursor: '' }, 'page'],
      [{ sortBy: 'requirements:ASC' }, 'sortBy'],
      [{ sortBy: 'nope:ASC' }, 'sortBy'],
      [{ sortBy: 'title:SIDEWAYS' }, 'sortBy'],
      [{ sortBy: ['title:ASC', 'title:DESC'] }, 'sortBy'],
      [{ sortBy: 'description:ASC' }, 'sortBy'],
      [{ filter: { requirements: '$eq:x' } }, 'filter.requirements'],
      [{ filter: { nope: 'x' } }, 'filter.nope'],
      [{ filter: { status: '$gt:pending' } }, 'filter.status'],
      [{ filter: { status: 'sleeping' } }, 'filter.status'],
      [{ filter: { priority: 'high' } }, 'filter.priority'],
      [{ filter: { priority: '$btw:1' } }, 'filter.priority'],
      [{ filter: { priority: '$ne:1' } }, 'filter.priority'],
      [{ filter: { priority: '$not:$not:1' } }, 'filter.priority'],
      [{ filter: { id: 'not-a-uuid' } }, 'filter.id'],
      [{ filter: { createdAt: '$gt:yesterday' } }, 'filter.createdAt'],
      [{ filter: { description: '$null:x' } }, 'filter.description'],
      [{ withDeleted: 'yes' }, 'withDeleted'],
    ])('%j is rejected as %s', async (query, parameter) => {
      // A rejection, never a synchronous throw (`paginate` is not `async`).
      let pending: Promise<unknown> | undefined;
      expect(() => (pending = f.tasks.paginate(query as ListQueryInput))).not.toThrow();
      const error = (await pending!.catch((e: unknown) => e)) as InvalidQueryError;
      expect(error).toBeInstanceOf(InvalidQueryError);
      expect(error.parameter).toBe(parameter);
    });
  });
});
