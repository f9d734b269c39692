import { Test, TestingModule } from '@nestjs/testing';
import { Client } from 'pg';
import { Column, DataSource, Entity, In, PrimaryGeneratedColumn } from 'typeorm';
import {
  DatabaseModule,
  DatabaseService,
  getRepositoryServiceToken,
  Includable,
  InvalidQueryError,
  RepositoryService,
} from '../src/database';
import { buildDatabaseModuleOptions } from '../src/database/database.options';
import { RepositoryContext } from '../src/database/repository/repository.context';
import { Invoice } from './fixtures/user-entities/invoice.entity';
import { InvoiceLine } from './fixtures/user-entities/invoice-line.entity';
import { USER_ENTITIES, USER_ENTITIES_SCHEMA } from './fixtures/user-entities/schema';
import { Tag } from './fixtures/user-entities/tag.entity';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { ExecutionStatus, Task, TaskExecution, User } from '../src/entities';
import { countStatements, RepositoryFixture, repositoryFixture } from './support/repository-fixture';

const TASKS = 60;

/** A task's executions sorted by id, so two readers' orders compare. */
const byId = <T extends { id: string }>(rows: T[] | undefined) =>
  [...(rows ?? [])].sort((a, b) => a.id.localeCompare(b.id));

describe('RepositoryService include (relations on read)', () => {
  let f: RepositoryFixture;
  let ada: User;
  let gone: User;
  let parent: Task;
  let tasks: Task[];
  /** Live executions of tasks[0], newest first; plus one soft-deleted. */
  let runs: TaskExecution[];
  let deletedRun: TaskExecution;

  beforeAll(async () => {
    f = await repositoryFixture({}, { audit: undefined });
    ada = await f.users.create({ email: 'ada@example.com', displayName: 'Ada' });
    gone = await f.users.create({ email: 'gone@example.com', displayName: 'Gone' });
    parent = await f.tasks.create({ title: 'parent' });
    tasks = await f.tasks.createMany(
      Array.from({ length: TASKS }, (_, i) => ({
        title: `task ${String(i).padStart(2, '0')}`,
        priority: i % 5,
        assigneeId: i === 0 ? ada.id : i === 1 ? gone.id : null,
        parentId: i < 3 ? parent.id : null,
      })),
    );
    // Three runs per task (the limit must count tasks, not runs), four on the first.
    await f.executions.createMany(
      tasks.flatMap((t, i) =>
        Array.from({ length: i === 0 ? 4 : 3 }, (_, j) => ({
          taskId: t.id,
          agentType: `agent-${j}`,
          status: j === 0 ? ExecutionStatus.Succeeded : ExecutionStatus.Queued,
          logs: [{ line: j }],
          startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, j, 123)),
        })),
      ),
    );
    const all = await f.executions.find({ where: { taskId: tasks[0].id }, order: { createdAt: 'DESC', id: 'DESC' } });
    deletedRun = all[1];
    await f.executions.softDelete(deletedRun.id);
    runs = all.filter((r) => r.id !== deletedRun.id);
    await f.users.softDelete(gone.id);
  });
  afterAll(() => f?.close());

  it('findById reads the row and its relations in one statement, as entities with typed columns', async () => {
    let found: Task | null = null;
    const statements = await countStatements(f.dataSource, async () => {
      found = await f.tasks.findById(tasks[0].id, { include: ['executions', 'assignee', 'parent'] });
    });
    expect(statements).toHaveLength(1);
    const task = found!;
    expect(task).toBeInstanceOf(Task);
    expect(task.assignee).toBeInstanceOf(User);
    expect(task.assignee!.id).toBe(ada.id);
    expect(task.parent!.id).toBe(parent.id);
    expect(task.executions!.map((e) => e.id)).toEqual(runs.map((r) => r.id));
    const run = task.executions![0];
    expect(run).toBeInstanceOf(TaskExecution);
    expect(run.createdAt).toBeInstanceOf(Date);
    expect(run.startedAt).toBeInstanceOf(Date);
    // Each included row equals the row read on its own.
    for (const execution of task.executions!) {
      expect(execution).toStrictEqual(await f.executions.findById(execution.id));
    }
    expect(task.assignee).toStrictEqual(await f.users.findById(ada.id));
  });

  it('reads timestamps at the edges as pg does: infinity, BC, microseconds', async () => {
    const edges = ['infinity', '-infinity', '0044-03-15 12:00:00.5+00 BC', '2026-01-01 00:00:00.999999+00'];
    for (const [i, value] of edges.entries()) {
      await f.sql('UPDATE task_executions SET started_at = $1 WHERE id = $2', [value, runs[i % runs.length].id]);
      const direct = await f.executions.findById(runs[i % runs.length].id);
      const included = (await f.tasks.findById(tasks[0].id, { include: 'executions' }))!.executions!;
      expect([value, included.find((e) => e.id === direct!.id)!.startedAt]).toEqual([value, direct!.startedAt]);
    }
  });

  it("equals TypeORM's find({ relations }) for the same rows", async () => {
    const ids = tasks.slice(0, 5).map((t) => t.id);
    const ours = await f.tasks.find({
      where: { id: In(ids) },
      order: { title: 'ASC' },
      include: 'executions,assignee,parent',
    });
    const theirs = await f.dataSource.getRepository(Task).find({
      where: { id: In(ids) },
      order: { title: 'ASC' },
      relations: { executions: true, assignee: true, parent: true },
    });
    expect(ours.map((t) => t.id)).toEqual(theirs.map((t) => t.id));
    // Same values and classes; TypeORM's entities also carry relation properties it left undefined.
    for (const [mine, typeorm] of ours.map((t, i) => [t, theirs[i]] as const)) {
      expect({ ...mine, executions: byId(mine.executions) }).toEqual({
        ...typeorm,
        executions: byId(typeorm.executions),
      });
      expect(mine.executions!.every((e) => e instanceof TaskExecution)).toBe(true);
      expect([mine.assignee?.constructor, mine.parent?.constructor]).toEqual([
        typeorm.assignee?.constructor,
        typeorm.parent?.constructor,
      ]);
    }
    expect(ours.some((t) => t.assignee && t.parent && t.executions!.length)).toBe(true);
  });

  it('leaves soft-deleted related rows out unless withDeleted asks for them', async () => {
    const live = await f.tasks.findById(tasks[0].id, { include: 'executions' });
    expect(live!.executions!.map((e) => e.id)).not.toContain(deletedRun.id);
    const all = await f.tasks.findById(tasks[0].id, { include: 'executions', withDeleted: true });
    expect(byId(all!.executions).map((e) => e.id)).toEqual(byId([...runs, deletedRun]).map((e) => e.id));
    // A soft-deleted many-to-one target reads as null, as TypeORM's join does.
    expect((await f.tasks.findById(tasks[1].id, { include: 'assignee' }))!.assignee).toBeNull();
    expect((await f.tasks.findById(tasks[1].id, { include: 'assignee', withDeleted: true }))!.assignee!.id).toBe(
      gone.id,
    );
    // Read back: the run is still in the table, soft-deleted.
    expect(
      await f.sql('SELECT deleted_at IS NOT NULL AS d FROM task_executions WHERE id = $1', [deletedRun.id]),
    ).toEqual([{ d: true }]);
  });

  it('reads nested paths (task.executions, executions.task) in the same one statement', async () => {
    let run: TaskExecution | null = null;
    const statements = await countStatements(f.dataSource, async () => {
      run = await f.executions.findById(runs[0].id, { include: 'task.executions' });
    });
    expect(statements).toHaveLength(1);
    expect(run!.task).toBeInstanceOf(Task);
    expect(run!.task!.id).toBe(tasks[0].id);
    expect(run!.task!.executions!.map((e) => e.id)).toEqual(runs.map((r) => r.id));
    const task = await f.tasks.findById(tasks[0].id, { include: ['executions.task', 'parent.executions'] });
    expect(task!.executions!.every((e) => e.task!.id === tasks[0].id)).toBe(true);
    expect(task!.parent!.executions).toEqual([]);
  });

  it('paginate: the limit counts parents, each with all its live relations, in one statement', async () => {
    let page: Awaited<ReturnType<RepositoryFixture['tasks']['paginate']>> | undefined;
    const statements = await countStatements(f.dataSource, async () => {
      page = await f.tasks.paginate({ limit: 50, sortBy: 'title:ASC', count: false, include: 'executions' });
    });
    expect(statements).toHaveLength(1);
    expect(page!.data).toHaveLength(50);
    expect(page!.data.map((t) => t.title)).toEqual(
      [parent, ...tasks]
        .map((t) => t.title)
        .sort()
        .slice(0, 50),
    );
    const counts = await f.sql<{ id: string; n: number }>(
      'SELECT task_id AS id, count(*)::int AS n FROM task_executions WHERE deleted_at IS NULL GROUP BY task_id',
    );
    const expected = new Map(counts.map((c) => [c.id, c.n]));
    for (const task of page!.data)
      expect([task.id, task.executions!.length]).toEqual([task.id, expected.get(task.id) ?? 0]);
    expect(page!.links.next).toContain('include=executions');
  });

  it.each([
    ['first offset page', {}],
    ['later offset page', { page: 2 }],
    ['keyset page', { cursor: '' }],
  ])('paginate with include (%s) reuses the generic plan of its prepared statement', async (_, mode) => {
    // One connection (a transaction), as each of a busy pool's is: PostgreSQL tries 5 custom plans,
    // then keeps the generic one only when its estimate is no worse. With the page size and offset
    // bound only, it is priced for 10% of the matching rows (here 6 of 61, for a page of 3), each
    // with its subqueries, and every call was planned again (0 generic plans).
    // An indexed sort and fresh statistics, as in production: the plan's cost then follows the limit.
    const db = f.moduleRef.get(DatabaseService);
    await f.sql('ANALYZE tasks, task_executions');
    const plans = await db.transaction(async () => {
      for (let i = 0; i < 8; i++) {
        const page = await f.tasks.paginate({ limit: 2, sortBy: 'createdAt:DESC', include: 'executions', ...mode });
        expect(page.data).toHaveLength(2);
      }
      return db.query<{ generic: number; custom: number }>(
        `SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements
          WHERE statement LIKE '%__inc0%' ORDER BY prepare_time DESC LIMIT 1`,
      );
    });
    expect(plans).toHaveLength(1);
    expect(plans[0].generic).toBeGreaterThanOrEqual(3);
  });

  it('paginate in keyset mode keeps the order and the cursor across pages with relations', async () => {
    const first = await f.tasks.paginate({ limit: 7, cursor: '', sortBy: 'priority:DESC', include: ['assignee'] });
    const cursor = new URL(`http://x${first.links.next}`).searchParams.get('cursor')!;
    const second = await f.tasks.paginate({ limit: 7, cursor, sortBy: 'priority:DESC', include: ['assignee'] });
    const plain = await f.tasks.paginate({ limit: 14, cursor: '', sortBy: 'priority:DESC' });
    expect([...first.data, ...second.data].map((t) => t.id)).toEqual(plain.data.map((t) => t.id));
    expect(first.data.every((t) => 'assignee' in t)).toBe(true);
  });

  it('find and findOne take include, also with a where through a relation and take', async () => {
    const statements = await countStatements(f.dataSource, async () => {
      const one = await f.tasks.findOne({ id: tasks[0].id }, { include: 'executions' });
      expect(one!.executions).toHaveLength(runs.length);
    });
    expect(statements).toHaveLength(1);
    // `where` through a relation: TypeORM joins, so keys are deduplicated before `take`.
    const where = { executions: { status: ExecutionStatus.Succeeded } };
    const ours = await f.tasks.find({ where, order: { title: 'DESC' }, take: 4, skip: 1, include: 'executions' });
    const theirs = await f.dataSource.getRepository(Task).find({ where, order: { title: 'DESC' }, take: 4, skip: 1 });
    expect(ours.map((t) => t.id)).toEqual(theirs.map((t) => t.id));
    expect(ours.every((t) => t.executions!.length >= 3)).toBe(true);
  });

  it('refuses relations outside the @Includable allow-list, naming include, before any SQL', async () => {
    const refused = async (run: () => Promise<unknown>) => {
      const statements = await countStatements(f.dataSource, () => run().catch((e) => e));
      expect(statements).toHaveLength(0);
      return run().catch((e) => e);
    };
    for (const error of [
      await refused(() => f.tasks.findById(tasks[0].id, { include: 'owner' })),
      await refused(() => f.tasks.paginate({ include: ['executions', 'executions.logs'] })),
      await refused(() => f.users.find({ include: 'tasks' })),
      await refused(() => f.tasks.find({ include: 'executions.task.executions.task' })),
      await refused(() => f.tasks.find({ include: 'executions', relations: { assignee: true } })),
    ]) {
      expect(error).toBeInstanceOf(InvalidQueryError);
      expect((error as InvalidQueryError).parameter).toBe('include');
    }
  });
});

describe("include on a user's own entities (bigint, numeric, date, timestamp, many-to-many)", () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let ds: DataSource;
  let invoices: RepositoryService<Invoice>;
  let tags: RepositoryService<Tag>;
  const ids: number[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(USER_ENTITIES_SCHEMA).finally(() => client.end());
    moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot({
          ...buildDatabaseModuleOptions(db.env),
          entities: USER_ENTITIES,
          migrations: [],
          synchronize: false,
        }),
        DatabaseModule.forFeature([Invoice, Tag]),
      ],
    }).compile();
    await moduleRef.init();
    ds = moduleRef.get(DataSource);
    invoices = moduleRef.get(getRepositoryServiceToken(Invoice));
    tags = moduleRef.get(getRepositoryServiceToken(Tag));
    const [red, blue] = await tags.createMany([{ label: 'red' }, { label: 'blue' }]);
    for (let i = 0; i < 3; i++) {
      const invoice = await invoices.create({
        customerEmail: `c${i}@example.com`,
        amountCents: '9007199254740993',
        tax: '1.10',
      });
      ids.push(invoice.id);
      await ds.query(
        `INSERT INTO invoice_lines (invoice_no, ship_on, gone_at) VALUES ($1, '2026-03-0${i + 1}', NULL), ($1, NULL, now())`,
        [invoice.id],
      );
    }
    await ds.query('INSERT INTO invoice_tags VALUES ($1, $2), ($1, $3), ($4, $2)', [ids[0], red.id, blue.id, ids[1]]);
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  it("equals TypeORM's find({ relations }): bigint and numeric as text, dates, timestamps without time zone", async () => {
    const ours = await invoices.find({ where: { id: In(ids) }, order: { id: 'ASC' }, include: ['lines', 'tags'] });
    const theirs = await ds
      .getRepository(Invoice)
      .find({ where: { id: In(ids) }, order: { id: 'ASC' }, relations: { lines: true, tags: true } });
    const sorted = (invoice: Invoice) => ({
      ...invoice,
      lines: [...invoice.lines!].sort((a, b) => a.lineNo - b.lineNo),
      tags: [...invoice.tags!].sort((a, b) => a.label.localeCompare(b.label)),
    });
    expect(ours.map(sorted)).toEqual(theirs.map(sorted));
    expect(ours[0].amountCents).toBe('9007199254740993');
    expect(ours[0].lines![0].shipOn).toBe('2026-03-01');
    expect(ours[0].tags!.map((t) => t.label).sort()).toEqual(['blue', 'red']);
    expect(ours[2].tags).toEqual([]);
  });

  it('paginate with two relations after the sort keys (keyset) reads each into its own property', async () => {
    const expected = await invoices.find({ where: { id: In(ids) }, order: { id: 'ASC' }, include: ['lines', 'tags'] });
    const page = await invoices.paginate({ cursor: '', sortBy: 'id:ASC', include: 'tags,lines', limit: 10 });
    const mine = page.data.filter((invoice) => ids.includes(invoice.id));
    expect(mine).toEqual(expected);
    expect(mine[0].lines![0]).toBeInstanceOf(InvoiceLine);
    expect(mine[0].tags![0]).toBeInstanceOf(Tag);
    expect((await invoices.findById(ids[0], { include: ['lines', 'tags'] }))!).toEqual(expected[0]);
  });

  it("relies on pg asking a query's types for each column's parser once, in column order", async () => {
    // Included relations are read by position (`includeParsers`): this is the pg behaviour it needs.
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const asked: number[] = [];
      const types = {
        getTypeParser: (oid: number) => {
          const column = asked.push(oid);
          return (text: string) => `${column}:${text}`;
        },
      };
      const { rows } = await client.query({
        text: `SELECT 1::int AS a, '[1]'::json AS b, 'x'::text AS c, '[2]'::json AS d FROM generate_series(1, 2)`,
        types,
        rowMode: 'array',
      } as never);
      expect(asked).toEqual([23, 114, 25, 114]);
      expect(rows).toEqual([
        ['1:1', '2:[1]', '3:x', '4:[2]'],
        ['1:1', '2:[1]', '3:x', '4:[2]'],
      ]);
    } finally {
      await client.end();
    }
  });

  it('reads a many-to-many from its inverse side, and a many-to-one without a column property', async () => {
    const red = (await tags.find({ where: { label: 'red' }, include: 'invoices.lines' }))[0];
    expect(red.invoices!.map((i) => i.id).sort()).toEqual([ids[0], ids[1]]);
    expect(red.invoices!.every((i) => i.lines!.length === 1)).toBe(true);
    const line = (await invoices.findById(ids[0], { include: 'lines.invoice' }))!.lines![0];
    expect((line.invoice as Invoice).id).toBe(ids[0]);
  });

  it('refuses an @Includable that is not a relation when the service is built', async () => {
    @Entity({ name: 'notes' })
    class Note {
      @PrimaryGeneratedColumn() id: number;
      @Includable() @Column() body: string;
    }
    const source = new DataSource({ type: 'postgres', entities: [Note] });
    await (source as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    expect(() => new RepositoryService(Note, source, new RepositoryContext(source))).toThrow(
      /Note: .*@Includable on body: it is not a TypeORM relation/,
    );
  });
});
