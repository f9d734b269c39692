import type { ListQueryInput } from '../src/database';
import { MAX_PREPARED_LISTS } from '../src/database/repository/entity-sql';
import { RepositoryFixture, repositoryFixture } from './support/repository-fixture';

/** Names of the prepared statements of the pool's only connection. */
async function preparedOnTheConnection(f: RepositoryFixture): Promise<string[]> {
  const pool = (f.dataSource.driver as unknown as { master: { query: (t: string) => Promise<{ rows: any[] }> } })
    .master;
  const { rows } = await pool.query('SELECT name FROM pg_prepared_statements ORDER BY name');
  return rows.map((r) => r.name);
}

describe.each([
  ['on (default)', {}, true],
  ['off (DB_PREPARED_STATEMENTS=false, for transaction-mode poolers)', { DB_PREPARED_STATEMENTS: 'false' }, false],
])('prepared statements %s', (_label, env, prepared) => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture({ DB_POOL_MAX: '1', ...env });
  });
  afterAll(() => f?.close());

  it('gives the same results, prepared on the server only when on', async () => {
    const user = await f.users.create({ email: 'p@example.com', displayName: 'P' });
    expect((await f.users.findById(user.id))?.email).toBe('p@example.com');
    const updated = await f.users.update(user.id, { displayName: 'Q' }, { expectedVersion: 1 });
    expect(updated.version).toBe(2);
    await f.users.softDelete(user.id);
    expect((await f.users.restore(user.id)).version).toBe(4);
    const names = await preparedOnTheConnection(f);
    if (prepared)
      expect(names).toEqual(expect.arrayContaining(['users:findById', 'users:softDelete', 'users:restore']));
    else expect(names).toEqual([]);
  });

  it('runs list pages and their counts prepared when on, with the same rows', async () => {
    await f.sql(`INSERT INTO tasks (title, priority) SELECT 'list ' || g, g % 11 FROM generate_series(1, 30) g`);
    const query = { limit: 7, sortBy: 'priority:DESC', filter: { priority: '$gte:5' } };
    const first = await f.tasks.paginate({ ...query, page: 2 });
    const again = await f.tasks.paginate({ ...query, page: 2 });
    const keyset = await f.tasks.paginate({ ...query, cursor: '' });
    expect(again.data.map((t) => t.id)).toEqual(first.data.map((t) => t.id));
    const [{ live }] = await f.sql(
      `SELECT count(*)::int AS live FROM tasks WHERE deleted_at IS NULL AND priority >= 5`,
    );
    expect(first.meta.totalItems).toBe(live);
    expect(keyset.data).toHaveLength(7);
    const rows = await f.sql(
      `SELECT id FROM tasks WHERE deleted_at IS NULL AND priority >= 5 ORDER BY priority DESC, created_at DESC, id DESC`,
    );
    expect(first.data.map((t) => t.id)).toEqual(rows.slice(7, 14).map((r: { id: string }) => r.id));
    const lists = (await preparedOnTheConnection(f)).filter((n) => /^tasks:(list|count)#/.test(n));
    // page + count (offset mode), and the keyset page (another text: it also selects the sort keys)
    expect(lists).toHaveLength(prepared ? 3 : 0);
  });
});

describe('prepared list statements', () => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture({ DB_POOL_MAX: '1' });
  });
  afterAll(() => f?.close());

  it(`stop at ${MAX_PREPARED_LISTS} distinct texts per entity; later ones run unnamed, with the same answers`, async () => {
    // Every (sort field, direction, filter) combination is another text.
    const fields = ['title', 'priority', 'status', 'createdAt'];
    const filters: Array<Record<string, string>> = [
      {},
      { priority: '$gte:0' },
      { priority: '$lt:11' },
      { priority: '$btw:0,10' },
      { title: '$ilike:a' },
      { title: '$sw:a' },
      { description: '$null' },
      { status: '$eq:pending' },
      { status: '$in:pending,failed' },
      { priority: '$gte:0', title: '$ilike:a' },
    ];
    const queries: ListQueryInput[] = fields.flatMap((field) =>
      ['ASC', 'DESC'].flatMap((direction) =>
        filters.map((filter) => ({ limit: 3, sortBy: `${field}:${direction}`, filter, count: false })),
      ),
    );
    expect(queries.length).toBeGreaterThan(MAX_PREPARED_LISTS);
    for (const query of queries) await f.tasks.paginate({ ...query, page: 1 });
    const lists = (await preparedOnTheConnection(f)).filter((n) => n.startsWith('tasks:list#'));
    expect(lists).toHaveLength(MAX_PREPARED_LISTS);
    // A query past the bound still answers, unnamed, as a prepared one would.
    const late = queries.at(-1)!;
    const rows = await f.tasks.paginate({ ...late, page: 1 });
    expect((await preparedOnTheConnection(f)).filter((n) => n.startsWith('tasks:list#'))).toHaveLength(
      MAX_PREPARED_LISTS,
    );
    expect(rows.data.length).toBeLessThanOrEqual(3);
  });
});

describe('prepared list pages and their plans', () => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture({ DB_POOL_MAX: '1' });
    await f.sql(
      `INSERT INTO tasks (title, status, created_at)
       SELECT 'plan ' || g, (ARRAY['pending','in_progress','completed','failed','cancelled'])[1 + g % 5]::task_status,
              now() - g * interval '1 second'
         FROM generate_series(1, 20000) g`,
    );
    await f.sql('ANALYZE tasks');
  });
  afterAll(() => f?.close());

  it('are planned once: PostgreSQL keeps the generic plan of page 1 instead of planning every execution', async () => {
    // A bound LIMIT made the generic plan expect a tenth of the table, so the server re-planned
    // each page on every execution (custom plans only).
    const query = { limit: 50, sortBy: 'createdAt:DESC', filter: { status: 'pending' } };
    for (let i = 0; i < 10; i++) {
      await f.tasks.paginate({ ...query, page: 1, count: false });
      await f.tasks.paginate({ ...query, cursor: '' });
    }
    const pool = (f.dataSource.driver as unknown as { master: { query: (t: string) => Promise<{ rows: any[] }> } })
      .master;
    const { rows } = await pool.query(
      `SELECT name, generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements
        WHERE name LIKE 'tasks:list#%'`,
    );
    // Page 1 in offset mode and in keyset mode is one statement: the keyset page reads its next
    // cursor's keys from the rows' own columns, so it selects nothing more.
    expect(rows).toHaveLength(1);
    expect(rows[0].generic + rows[0].custom).toBe(20);
    expect(rows[0].generic).toBeGreaterThan(0);
  });

  it('return a deep offset page with the rows the plain query returns', async () => {
    const query = { limit: 50, sortBy: 'createdAt:DESC', filter: { status: 'pending' }, count: false };
    const page = await f.tasks.paginate({ ...query, page: 41 });
    const expected = await f.sql(
      `SELECT id FROM tasks WHERE deleted_at IS NULL AND status = 'pending'
        ORDER BY created_at DESC, id DESC OFFSET 2000 LIMIT 50`,
    );
    expect(page.data.map((t) => t.id)).toEqual(expected.map((r: { id: string }) => r.id));
    expect(page.links.next).toBeDefined();
  });
});
