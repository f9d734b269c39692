import { Test, TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { appDatabaseModuleOptions } from '../src/app.data-source';
import {
  DatabaseModule,
  DatabaseService,
  EntityValidationError,
  ForeignKeyViolationError,
  getRepositoryServiceToken,
  RepositoryService,
  runAs,
} from '../src/database';
import { CREATE_MANY_CHUNK } from '../src/database/repository/repository.service';
import { ENTITIES, Task } from '../src/entities';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** More rows than two statements take: one pipeline of four INSERTs (1,000, 5,000, 5,000 and 500 rows). */
const ROWS = 2 * CREATE_MANY_CHUNK + 1_500;
const STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
const MISSING_USER = '00000000-0000-4000-8000-000000000000';

function batch(prefix: string, n = ROWS): Array<Partial<Task>> {
  return Array.from({ length: n }, (_, i) => ({
    title: `${prefix} ${i}`,
    description: i % 7 ? `row\t${i} "quoted" \\ {braces}` : null,
    status: STATUSES[i % 5] as Task['status'],
    priority: i % 11,
    requirements: { cpu: i % 4, tags: [`t${i % 3}`, 'a,b'] },
  }));
}

/**
 * Audited `createMany` of several statements, which run as one pipeline in one transaction (the
 * open one, or the pipeline's own): what it stores, and that a failure anywhere writes nothing and
 * leaves the connections usable. Everything is read back from the database.
 */
describe('audited createMany of several statements', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let ds: DataSource;
  let tasks: RepositoryService<Task>;
  let database: DatabaseService;

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot({ ...appDatabaseModuleOptions(db.env), entities: ENTITIES }),
        DatabaseModule.forFeature([Task]),
      ],
    }).compile();
    await moduleRef.init();
    ds = moduleRef.get(DataSource);
    tasks = moduleRef.get(getRepositoryServiceToken(Task));
    database = moduleRef.get(DatabaseService);
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  /** How many tasks, and audit rows of tasks, have titles starting with `prefix`. */
  async function written(prefix: string): Promise<[number, number]> {
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM tasks WHERE title LIKE $1`, [`${prefix} %`]);
    const [{ a }] = await ds.query(`SELECT count(*)::int AS a FROM audit_logs WHERE new_values->>'title' LIKE $1`, [
      `${prefix} %`,
    ]);
    return [n, a];
  }

  it.each([true, false])(
    'stores every row as given and its audit row as the stored row (returning: %s)',
    async (returning) => {
      const prefix = `whole-${returning}`;
      const rows = batch(prefix);
      const statements: string[] = [];
      database.observeQueries({ onStatement: (_name, text) => statements.push(text) });
      const result = await runAs('bulk-job', () => tasks.createMany(rows, { returning }), 'req-bulk').finally(() =>
        database.observeQueries(undefined),
      );
      expect(statements).toHaveLength(4);
      if (returning) {
        const created = result as Task[];
        expect(created.map((t) => t.title)).toEqual(rows.map((r) => r.title));
        expect(new Set(created.map((t) => t.id)).size).toBe(ROWS);
      } else expect(result).toBe(ROWS);
      const stored = await ds.query(
        `SELECT title, description, status, priority, requirements, version, deleted_at, assignee_id, parent_id
           FROM tasks WHERE title LIKE $1 ORDER BY created_at, title`,
        [`${prefix} %`],
      );
      const byTitle = (a: { title: string }, b: { title: string }) => (a.title < b.title ? -1 : 1);
      expect(stored.sort(byTitle)).toEqual(
        rows
          .map((r) => ({ ...r, version: 1, deleted_at: null, assignee_id: null, parent_id: null }))
          .sort((a, b) => byTitle(a as { title: string }, b as { title: string })),
      );
      // Each audit row: the whole stored row keyed by property name, the actor and request id.
      const [{ audited, matching, ordered }] = await ds.query(
        `SELECT count(*)::int AS audited,
                count(*) FILTER (WHERE a.entity_type = 'Task' AND a.action = 'create' AND a.old_values IS NULL
                  AND a.actor = 'bulk-job' AND a.request_id = 'req-bulk'
                  AND a.new_values = jsonb_build_object('id', t.id, 'title', t.title, 'status', t.status,
                    'version', t.version, 'parentId', t.parent_id, 'priority', t.priority, 'createdAt', t.created_at,
                    'deletedAt', t.deleted_at, 'updatedAt', t.updated_at, 'assigneeId', t.assignee_id,
                    'description', t.description, 'requirements', t.requirements))::int AS matching,
                (array_agg(t.title::text ORDER BY a.id) = $2::text[]) AS ordered
           FROM audit_logs a JOIN tasks t ON t.id::text = a.entity_id WHERE t.title LIKE $1`,
        [`${prefix} %`, rows.map((r) => r.title)],
      );
      expect([audited, matching, ordered]).toEqual([ROWS, ROWS, true]);
      const [{ all }] = await ds.query(
        `SELECT count(*)::int AS all FROM audit_logs WHERE new_values->>'title' LIKE $1`,
        [`${prefix} %`],
      );
      expect(all).toBe(ROWS);
    },
  );

  it('writes nothing when the last statement fails, outside a transaction; the pool stays usable', async () => {
    const rows = batch('late-fk');
    rows[ROWS - 3] = { ...rows[ROWS - 3], assigneeId: MISSING_USER };
    await expect(tasks.createMany(rows, { returning: false })).rejects.toBeInstanceOf(ForeignKeyViolationError);
    expect(await written('late-fk')).toEqual([0, 0]);
    // Every connection of the pool (the failed one was discarded) takes the next batches.
    const again = await Promise.all(
      [0, 1, 2].map((i) => tasks.createMany(batch(`after-fk-${i}`), { returning: false })),
    );
    expect(again).toEqual([ROWS, ROWS, ROWS]);
    expect(await written('after-fk-1')).toEqual([ROWS, ROWS]);
  });

  it('writes nothing when a later statement fails inside a transaction, which rolls back with it', async () => {
    const rows = batch('tx-fk');
    rows[CREATE_MANY_CHUNK + 10] = { ...rows[CREATE_MANY_CHUNK + 10], assigneeId: MISSING_USER };
    const error = await database
      .transaction(async () => {
        await tasks.create({ title: 'tx-fk before' });
        await tasks.createMany(rows);
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignKeyViolationError);
    expect(await written('tx-fk')).toEqual([0, 0]);
    // The same transaction, committing: the batch's rows and audit rows come with it.
    await database.transaction(async () => {
      await tasks.create({ title: 'tx-ok before' });
      expect(await tasks.createMany(batch('tx-ok'), { returning: false })).toBe(ROWS);
    });
    expect(await written('tx-ok')).toEqual([ROWS + 1, ROWS + 1]);
  });

  it('writes nothing when a later row cannot be sent (its value throws), inside a transaction and outside', async () => {
    const rows = batch('unsendable');
    // class-validator lets the object through; its JSON cannot be made: the third statement is never sent.
    rows[2 * CREATE_MANY_CHUNK + 7] = { ...rows[2 * CREATE_MANY_CHUNK + 7], requirements: { n: BigInt(1) } as never };
    await expect(tasks.createMany(rows, { returning: false })).rejects.toThrow(/BigInt/);
    await expect(database.transaction(() => tasks.createMany(rows))).rejects.toThrow(/BigInt/);
    expect(await written('unsendable')).toEqual([0, 0]);
    expect(await tasks.createMany(batch('after-unsendable'), { returning: false })).toBe(ROWS);
    expect(await written('after-unsendable')).toEqual([ROWS, ROWS]);
  });

  it('writes nothing for an invalid row in a later statement; in a transaction, which stays usable, before any', async () => {
    const rows = batch('late-invalid');
    const late = 2 * CREATE_MANY_CHUNK + 11;
    rows[late] = { ...rows[late], title: 42 as unknown as string };
    // Outside a transaction the third chunk is checked while the server inserts the second: rolled back.
    const outside = await tasks.createMany(rows, { returning: false }).catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(EntityValidationError);
    expect(Object.keys((outside as EntityValidationError).errors)).toEqual([`${late}.title`]);
    expect(await written('late-invalid')).toEqual([0, 0]);
    // In a transaction every row is checked first: the error leaves the transaction usable.
    await database.transaction(async () => {
      const inside = await tasks.createMany(rows).catch((e: unknown) => e);
      expect(Object.keys((inside as EntityValidationError).errors)).toEqual([`${late}.title`]);
      await tasks.create({ title: 'late-invalid kept' });
    });
    expect(await written('late-invalid')).toEqual([1, 1]);
  });

  it('groups a batch by the fields each row writes as it goes: mixed rows all stored and audited once', async () => {
    const rows = batch('mixed').map((r, i) => (i % 3 ? r : { title: r.title, description: 'short' }));
    expect(await tasks.createMany(rows, { returning: false })).toBe(ROWS);
    const stored = await ds.query(
      `SELECT title, description, priority, status FROM tasks WHERE title LIKE 'mixed %' ORDER BY title`,
    );
    const expected = rows
      .map((r) => ({
        title: r.title,
        description: r.description,
        priority: r.priority ?? 0,
        status: r.status ?? 'pending',
      }))
      .sort((a, b) => (a.title! < b.title! ? -1 : 1));
    expect(stored).toEqual(expected);
    expect(await written('mixed')).toEqual([ROWS, ROWS]);
    // A row that is not an object, past the first statement's rows: named by its place in the whole batch.
    const broken = batch('broken') as unknown[];
    broken[CREATE_MANY_CHUNK + 3] = 'not a row';
    const error = await tasks.createMany(broken as Array<Partial<Task>>, { returning: false }).catch((e: unknown) => e);
    expect(Object.keys((error as EntityValidationError).errors)).toEqual([`${CREATE_MANY_CHUNK + 3}.body`]);
    expect(await written('broken')).toEqual([0, 0]);
  });
});
