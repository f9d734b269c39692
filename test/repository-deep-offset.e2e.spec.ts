import { ListQueryInput, Page } from '../src/database';
import { DEFERRED_JOIN_OFFSET } from '../src/database/repository/list-sql';
import { Task } from '../src/entities';
import { countStatements, RepositoryFixture, repositoryFixture } from './support/repository-fixture';

/** Enough tasks that a filtered list (a fifth of them) reaches past the deferred-join threshold. */
const ROWS = 16_000;
const LIMIT = 100;

/** Where the deferred join starts, as a page of `LIMIT` rows. */
const FIRST_DEFERRED = DEFERRED_JOIN_OFFSET / LIMIT + 1;

/**
 * Each list query, and the plain SQL (`WHERE`, `ORDER BY`) that must give the same rows in the same
 * order at every offset.
 */
const CASES: Array<[string, ListQueryInput, string, string]> = [
  ['default sort (createdAt, ties on it)', {}, 'deleted_at IS NULL', 'created_at DESC, id DESC'],
  [
    'a status, newest first (the bench page)',
    { filter: { status: 'pending' }, sortBy: 'createdAt:DESC' },
    `deleted_at IS NULL AND status = 'pending'`,
    'created_at DESC, id DESC',
  ],
  [
    'several keys, mixed directions, ties on the first',
    { sortBy: ['priority:ASC', 'title:DESC'] },
    'deleted_at IS NULL',
    'priority ASC, title DESC, id DESC',
  ],
  [
    'withDeleted, by status then createdAt',
    { withDeleted: true, sortBy: ['status:ASC', 'createdAt:DESC'] },
    'true',
    'status ASC, created_at DESC, id DESC',
  ],
  ['onlyDeleted', { onlyDeleted: true, sortBy: 'title:ASC' }, 'deleted_at IS NOT NULL', 'title ASC, id ASC'],
  [
    'a search and a range',
    { filter: { title: '$ilike:1', priority: '$gte:1' } },
    `deleted_at IS NULL AND title ILIKE '%1%' AND priority >= 1`,
    'created_at DESC, id DESC',
  ],
  [
    'a filter on a relation',
    { filter: { 'executions.status': 'queued' }, sortBy: 'priority:DESC' },
    `deleted_at IS NULL AND EXISTS (SELECT 1 FROM task_executions e
       WHERE e.task_id = tasks.id AND e.deleted_at IS NULL AND e.status = 'queued')`,
    'priority DESC, id DESC',
  ],
];

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The plan's scans of a table or an index, in plan order: `<node type> <index>`. */
function scans(node: PlanNode): string[] {
  const own =
    node['Relation Name'] || node['Index Name'] ? [`${node['Node Type']} ${node['Index Name'] ?? ''}`.trim()] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scans)];
}

describe('RepositoryService.paginate: deep offset pages (deferred join)', () => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture();
    // Three tasks per second (ties on createdAt), 4 priorities, 25 titles: ties on every sort key.
    await f.sql(
      `INSERT INTO tasks (title, status, priority, created_at, updated_at)
       SELECT 'task ' || (i % 25), (ARRAY['pending','in_progress','completed','failed','cancelled'])[1 + i % 5]::task_status,
              i % 4, timestamp '2026-01-01' - (i / 3) * interval '1 second', now()
         FROM generate_series(1, $1::int) AS i`,
      [ROWS],
    );
    await f.sql(`UPDATE tasks SET deleted_at = now() WHERE priority = 3`);
    // Every third task has executions: one failed, one live queued, one failed and soft-deleted.
    await f.sql(
      `INSERT INTO task_executions (task_id, agent_type, status, deleted_at)
       SELECT t.id, 'agent ' || j, (ARRAY['failed','queued','failed'])[j]::execution_status, CASE WHEN j = 3 THEN now() END
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM tasks) t, generate_series(1, 3) AS j
        WHERE t.n % 3 = 0 AND (j > 1 OR t.n % 2 = 0)`,
    );
    await f.sql('VACUUM ANALYZE tasks, task_executions');
  });
  afterAll(() => f?.close());

  const expectedIds = async (where: string, order: string, offset: number) =>
    (await f.sql(`SELECT id FROM tasks WHERE ${where} ORDER BY ${order} LIMIT ${LIMIT} OFFSET ${offset}`)).map(
      (r: { id: string }) => r.id,
    );
  const total = async (where: string) => (await f.sql(`SELECT count(*)::int AS n FROM tasks WHERE ${where}`))[0].n;

  it.each(CASES)(
    '%s: the same rows in the same order as the plain query, at every depth',
    async (_, input, where, order) => {
      const rows = await total(where);
      const last = Math.max(1, Math.ceil(rows / LIMIT));
      const pages = [1, 2, FIRST_DEFERRED - 1, FIRST_DEFERRED, FIRST_DEFERRED + 1, last - 1, last, last + 1, last + 40];
      for (const page of [...new Set(pages)].filter((p) => p >= 1)) {
        const got = await f.tasks.paginate({ ...input, limit: LIMIT, page }, { path: '/tasks' });
        expect({ page, ids: got.data.map((t) => t.id) }).toEqual({
          page,
          ids: await expectedIds(where, order, (page - 1) * LIMIT),
        });
        expect(got.meta.totalItems).toBe(rows);
        expect(got.meta.currentPage).toBe(page);
        expect(got.links.next === undefined).toBe(page >= last);
      }
    },
  );

  /** The statement a page sends, and the page. */
  const sent = async (input: ListQueryInput): Promise<[string, Page<Task>]> => {
    let page!: Page<Task>;
    const [text] = await countStatements(f.dataSource, async () => {
      page = await f.tasks.paginate(input, { path: '/tasks' });
    });
    return [text, page];
  };
  const planOf = async (text: string, values: unknown[]) =>
    scans((await f.sql(`EXPLAIN (FORMAT JSON) ${text}`, values))[0]['QUERY PLAN'][0].Plan);

  it('finds where a deep page starts first, then reads it as a keyset page; below the threshold, as before', async () => {
    const input: ListQueryInput = { filter: { status: 'pending' }, limit: LIMIT, count: false };
    const [deepSql, deep] = await sent({ ...input, page: FIRST_DEFERRED });
    const [shallowSql] = await sent({ ...input, page: FIRST_DEFERRED - 1 });
    expect(deepSql).toMatch(
      new RegExp(
        '^SELECT .* FROM "tasks" WHERE "deleted_at" IS NULL AND "status" = \\$1 AND \\("created_at", "id"\\) <= ' +
          '\\(SELECT "created_at", "id" FROM "tasks" WHERE "deleted_at" IS NULL AND "status" = \\$1 ' +
          'ORDER BY "created_at" DESC, "id" DESC LIMIT 1 OFFSET \\$2\\) ORDER BY "created_at" DESC, "id" DESC LIMIT 101$',
      ),
    );
    expect(shallowSql).not.toContain('SELECT "created_at", "id"');
    expect(deep.meta).toEqual({
      itemsPerPage: LIMIT,
      totalItems: undefined,
      currentPage: FIRST_DEFERRED,
      totalPages: undefined,
      sortBy: [['createdAt', 'DESC']],
      filter: { status: 'pending' },
    });
    const link = (page: number) =>
      `/tasks?limit=${LIMIT}&sortBy=createdAt%3ADESC&filter.status=pending&count=false&page=${page}`;
    expect(deep.links).toEqual({
      first: link(1),
      previous: link(FIRST_DEFERRED - 1),
      current: link(FIRST_DEFERRED),
      next: link(FIRST_DEFERRED + 1),
      last: undefined,
    });

    // On the example's schema the rows skipped are read from the partial index alone (no table row
    // read for each), then the page's rows in order from where it starts: by that index (the bench's
    // `random_page_cost` of 1.1), or by (created_at, id) with the status as a filter (the default 4),
    // as a keyset page is read. No sort, no scan of the table.
    expect(await planOf(deepSql, ['pending', DEFERRED_JOIN_OFFSET])).toEqual([
      'Index Only Scan ix_tasks_live_status_created_at',
      expect.stringMatching(/^Index Scan ix_tasks_(live_status_)?created_at$/),
    ]);
  });

  it.each([
    ['in mixed directions', ['status:ASC', 'createdAt:DESC'], '"status" ASC, "created_at" DESC, "id" DESC'],
    ['in an order no index holds', 'title:ASC', '"title" ASC, "id" ASC'],
    [
      'in the order of a partial index, deleted rows too',
      ['status:ASC', 'createdAt:ASC'],
      '"status" ASC, "created_at" ASC, "id" ASC',
    ],
  ])('with sort keys %s, finds the page keys first and reads its rows by primary key', async (_, sortBy, order) => {
    const withDeleted = Array.isArray(sortBy) && sortBy[1] === 'createdAt:ASC';
    const [text] = await sent({ sortBy, withDeleted, limit: LIMIT, page: FIRST_DEFERRED });
    const live = withDeleted ? '' : 'WHERE "deleted_at" IS NULL ';
    expect(text).toBe(
      `SELECT ${text.slice('SELECT '.length, text.indexOf(' FROM '))} FROM "tasks" WHERE "id" = ANY(ARRAY(SELECT "id" FROM "tasks" ${live}ORDER BY ${order} LIMIT 101 OFFSET $1)) ORDER BY ${order}`,
    );
    const [{ conname: pk }] = await f.sql(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'tasks'::regclass AND contype = 'p'`,
    );
    // The page's rows by primary key: an index scan, or a bitmap one on a table this small; never the whole table.
    const [, ...rows] = await planOf(text, [DEFERRED_JOIN_OFFSET]);
    expect(rows.filter((scan) => scan !== 'Bitmap Heap Scan')).toEqual([
      expect.stringMatching(new RegExp(`^(Bitmap )?Index Scan ${pk}$`)),
    ]);
  });

  it.each([
    ['createdAt:DESC', 'created_at DESC, id DESC'],
    [['priority:ASC', 'title:DESC'], 'priority ASC, title DESC, id DESC'],
  ])('sorted by %j, reads included relations of the deep page rows, as on a shallow page', async (sortBy, order) => {
    const input: ListQueryInput = { include: 'executions', sortBy, limit: LIMIT };
    for (const page of [FIRST_DEFERRED - 1, FIRST_DEFERRED, FIRST_DEFERRED + 5]) {
      const got = await f.tasks.paginate({ ...input, page });
      expect(got.data.map((t) => t.id)).toEqual(await expectedIds('deleted_at IS NULL', order, (page - 1) * LIMIT));
      const executions = await f.sql(
        `SELECT task_id, id FROM task_executions WHERE deleted_at IS NULL AND task_id = ANY($1)
          ORDER BY created_at DESC, id DESC`,
        [got.data.map((t) => t.id)],
      );
      for (const task of got.data) {
        expect(task.executions!.map((e) => e.id)).toEqual(
          executions.filter((e: { task_id: string }) => e.task_id === task.id).map((e: { id: string }) => e.id),
        );
      }
      expect(got.data.some((t) => t.executions!.length > 0)).toBe(true);
    }
  });
});
