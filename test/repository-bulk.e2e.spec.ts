import {
  DatabaseService,
  EntityValidationError,
  ForeignKeyViolationError,
  UniqueViolationError,
} from '../src/database';
import { ExecutionStatus, TaskStatus } from '../src/entities';
import { RepositoryFixture, repositoryFixture } from './support/repository-fixture';

const MISSING = '00000000-0000-4000-8000-000000000000';

/** Text that would end a COPY field or row early if it were not escaped, and other awkward values. */
const AWKWARD = [
  'tab\there',
  'new\nline',
  'cr\rlf\r\n',
  'back\\slash',
  '\\N',
  '\\.',
  'end\\',
  'quote\'s "q"',
  'ü 😀 ∑',
];

describe('RepositoryService.createMany without reading rows back (COPY, audit trail off)', () => {
  let f: RepositoryFixture;
  let db: DatabaseService;
  beforeAll(async () => {
    f = await repositoryFixture({}, { audit: undefined });
    db = f.moduleRef.get(DatabaseService);
  });
  afterAll(() => f?.close());

  /** The statements the module runs while `fn` does. */
  async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    db.observeQueries({ onStatement: (_name, text) => seen.push(text) });
    try {
      await fn();
    } finally {
      db.observeQueries(undefined);
    }
    return seen;
  }

  it('inserts a large batch as one COPY statement, with the columns defaults fill', async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ title: `copy ${i}`, priority: i % 11 }));
    let count = 0;
    const statements = await statementsOf(async () => {
      count = await f.tasks.createMany(rows, { returning: false });
    });
    expect(count).toBe(12_000);
    expect(statements).toEqual(['COPY "tasks" ("priority", "title") FROM STDIN']);
    const stored = await f.sql(
      `SELECT title, priority, status, version, requirements, deleted_at FROM tasks WHERE title LIKE 'copy %' ORDER BY priority, title`,
    );
    expect(stored).toHaveLength(12_000);
    const byTitle = new Map(stored.map((r) => [r.title, r]));
    rows.forEach((r) =>
      expect(byTitle.get(r.title)).toEqual({ ...r, status: 'pending', version: 1, requirements: {}, deleted_at: null }),
    );
  });

  it('stores every value exactly: control characters, backslashes, JSON, enums, nulls and dates', async () => {
    const task = await f.tasks.create({ title: 'parent' });
    const startedAt = new Date('2024-02-29T23:59:58.123Z');
    const executions = AWKWARD.map((text, i) => ({
      taskId: task.id,
      agentType: text,
      status: ExecutionStatus.Succeeded,
      logs: [text, { nested: text, n: i, none: null }],
      startedAt,
      completedAt: null,
    }));
    await expect(f.executions.createMany(executions, { returning: false })).resolves.toBe(AWKWARD.length);
    const stored = await f.sql(
      'SELECT agent_type, status, logs, started_at, completed_at FROM task_executions WHERE task_id = $1',
      [task.id],
    );
    expect(stored).toHaveLength(AWKWARD.length);
    const byAgent = new Map(stored.map((r) => [r.agent_type, r]));
    for (const e of executions) {
      expect(byAgent.get(e.agentType)).toEqual({
        agent_type: e.agentType,
        status: 'succeeded',
        logs: e.logs,
        started_at: startedAt,
        completed_at: null,
      });
    }
    const tasks = AWKWARD.map((title) => ({ title, description: title, status: TaskStatus.Failed }));
    await f.tasks.createMany(tasks, { returning: false });
    const titles = await f.sql('SELECT title, description FROM tasks WHERE status = $1 AND title = ANY($2)', [
      'failed',
      AWKWARD,
    ]);
    expect(titles.map((r) => r.title).sort()).toEqual([...AWKWARD].sort());
    expect(titles.every((r) => r.title === r.description)).toBe(true);
  });

  it('rows writing different fields go in one transaction: one failing group writes nothing', async () => {
    const statements = await statementsOf(async () => {
      const error = await f.tasks
        .createMany(
          [
            { title: 'group-a 1', priority: 1 },
            { title: 'group-b 1', assigneeId: MISSING },
            { title: 'group-a 2', priority: 2 },
          ],
          { returning: false },
        )
        .catch((e) => e);
      expect(error).toBeInstanceOf(ForeignKeyViolationError);
      expect(error.fields).toEqual(['assigneeId']);
    });
    expect(statements[0]).toBe('BEGIN');
    expect(statements.filter((s) => s.startsWith('COPY'))).toHaveLength(2);
    expect(await f.sql(`SELECT title FROM tasks WHERE title LIKE 'group-%'`)).toEqual([]);
    await expect(
      f.tasks.createMany(
        [
          { title: 'group-a 3', priority: 1 },
          { title: 'group-b 2', description: 'd' },
        ],
        { returning: false },
      ),
    ).resolves.toBe(2);
    expect(
      (await f.sql(`SELECT title FROM tasks WHERE title LIKE 'group-%' ORDER BY title`)).map((r) => r.title),
    ).toEqual(['group-a 3', 'group-b 2']);
  });

  it('an invalid row, however late in the batch, aborts the COPY: named by index, nothing written', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ email: `late${i}@example.com`, displayName: 'x' }));
    rows[2_500] = { email: 'late-bad', displayName: 'bad' };
    const statements = await statementsOf(async () => {
      const error = await f.users.createMany(rows, { returning: false }).catch((e) => e);
      expect(error).toBeInstanceOf(EntityValidationError);
      expect(error.errors).toEqual({ '2500.email': [expect.any(String)] });
    });
    expect(statements).toEqual(['COPY "users" ("display_name", "email") FROM STDIN']);
    expect(await f.sql(`SELECT 1 FROM users WHERE email LIKE 'late%'`)).toEqual([]);
    await expect(f.users.createMany(rows.slice(0, 5), { returning: false })).resolves.toBe(5);
  });

  it('in a transaction, validates every row before any COPY: the transaction stays usable', async () => {
    await db.transaction(async () => {
      const statements = await statementsOf(async () => {
        const error = await f.users
          .createMany(
            [
              { email: 'tx-ok@example.com', displayName: 'ok' },
              { email: 'tx-bad', displayName: 'bad' },
            ],
            { returning: false },
          )
          .catch((e) => e);
        expect(error).toBeInstanceOf(EntityValidationError);
        expect(Object.keys(error.errors)).toEqual(['1.email']);
      });
      expect(statements).toEqual([]);
      await f.users.createMany([{ email: 'tx-ok@example.com', displayName: 'ok' }], { returning: false });
    });
    expect((await f.sql(`SELECT email FROM users WHERE email LIKE 'tx-%'`)).map((r) => r.email)).toEqual([
      'tx-ok@example.com',
    ]);
  });

  it('a constraint violation anywhere in the batch writes nothing, and the pool stays healthy', async () => {
    await f.users.create({ email: 'taken@example.com', displayName: 'first' });
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ email: `copy${i}@example.com`, displayName: 'x' }));
    rows[2_500] = { email: 'taken@example.com', displayName: 'again' };
    const error = await f.users.createMany(rows, { returning: false }).catch((e) => e);
    expect(error).toBeInstanceOf(UniqueViolationError);
    expect(error.fields).toEqual(['email']);
    expect(await f.sql(`SELECT 1 FROM users WHERE email LIKE 'copy%@example.com'`)).toEqual([]);
    await expect(f.users.createMany(rows.slice(0, 10), { returning: false })).resolves.toBe(10);
  });

  it('joins the open transaction and rolls back with it', async () => {
    await db
      .transaction(async () => {
        await f.tasks.createMany([{ title: 'in-tx 1' }, { title: 'in-tx 2' }], { returning: false });
        const [{ n }] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tasks WHERE title LIKE 'in-tx %'`,
        );
        expect(n).toBe(2);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await f.sql(`SELECT 1 FROM tasks WHERE title LIKE 'in-tx %'`)).toEqual([]);
    await db.transaction(() => f.tasks.createMany([{ title: 'in-tx 3' }], { returning: false }));
    expect(await f.sql(`SELECT title FROM tasks WHERE title LIKE 'in-tx %'`)).toEqual([{ title: 'in-tx 3' }]);
  });

  it('an empty batch sends nothing', async () => {
    expect(await statementsOf(() => f.tasks.createMany([], { returning: false }))).toEqual([]);
  });
});
