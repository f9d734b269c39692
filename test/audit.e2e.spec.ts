import { Test, TestingModule } from '@nestjs/testing';
import { Column, DataSource, Entity } from 'typeorm';
import { appDatabaseModuleOptions } from '../src/app.data-source';
import {
  AbstractEntity,
  AuditRedacted,
  DatabaseModule,
  DatabaseService,
  getRepositoryServiceToken,
  RepositoryService,
  runAs,
} from '../src/database';
import { RETURNING_OLD_SINCE } from '../src/database/sql/server-version';
import { ENTITIES, Task, TaskExecution, User } from '../src/entities';
import { serverMajorVersionSync } from './support/server-major';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** The run's server (embedded PostgreSQL 18, or Testcontainers' 17): RETURNING OLD needs 18. */
const SERVER_MAJOR = serverMajorVersionSync();
const HAS_RETURNING_OLD = SERVER_MAJOR >= RETURNING_OLD_SINCE;

/** The two SQL forms of an audited update. */
type UpdateForm = 'RETURNING OLD' | 'SELECT … FOR UPDATE';

/** Which form an update statement's text is, told apart by what only that form contains. */
function updateForm(text: string): UpdateForm | 'neither' {
  if (/RETURNING WITH \(OLD AS o\)/.test(text) && !/FOR UPDATE/.test(text)) return 'RETURNING OLD';
  if (/^WITH old AS \(SELECT .* FOR UPDATE\)/s.test(text) && !/RETURNING WITH/.test(text)) return 'SELECT … FOR UPDATE';
  return 'neither';
}

/** A test-only entity with a secret field, on a table the test creates. */
@Entity({ name: 'api_keys' })
class ApiKey extends AbstractEntity {
  @Column({ type: 'varchar', length: 100 })
  label: string;

  @AuditRedacted()
  @Column({ name: 'key_hash', type: 'varchar', length: 200 })
  keyHash: string;
}

interface AuditRow {
  entity_type: string;
  entity_id: string;
  action: string;
  old_values: Record<string, unknown> | null;
  new_values: Record<string, unknown> | null;
  actor: string;
  request_id: string | null;
}

describe('audit trail of RepositoryService writes', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let ds: DataSource;
  let users: RepositoryService<User>;
  let tasks: RepositoryService<Task>;
  let executions: RepositoryService<TaskExecution>;
  let keys: RepositoryService<ApiKey>;

  const trail = (id: string): Promise<AuditRow[]> =>
    ds.query(
      `SELECT entity_type, entity_id, action, old_values, new_values, actor, request_id FROM audit_logs WHERE entity_id = $1 ORDER BY created_at, action`,
      [id],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    const options = appDatabaseModuleOptions(db.env);
    moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot({ ...options, entities: [...ENTITIES, ApiKey] }),
        DatabaseModule.forFeature([User, Task, TaskExecution, ApiKey]),
      ],
    }).compile();
    await moduleRef.init();
    ds = moduleRef.get(DataSource);
    await ds.query(`CREATE TABLE api_keys (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(), version int NOT NULL DEFAULT 1, label varchar(100) NOT NULL, key_hash varchar(200) NOT NULL)`);
    users = moduleRef.get(getRepositoryServiceToken(User));
    tasks = moduleRef.get(getRepositoryServiceToken(Task));
    executions = moduleRef.get(getRepositoryServiceToken(TaskExecution));
    keys = moduleRef.get(getRepositoryServiceToken(ApiKey));
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  it('records create, update (changed fields only), soft delete, restore and delete, with the actor', async () => {
    const user = await runAs(
      'alice',
      () => users.create({ email: 'audited@example.com', displayName: 'Ada' }),
      'req-1',
    );
    await runAs('bob', () => users.update(user.id, { displayName: 'Grace', email: 'audited@example.com' }));
    await users.softDelete(user.id);
    await users.restore(user.id);
    await users.delete(user.id);
    const rows = await trail(user.id);
    expect(rows.map((r) => [r.action, r.actor, r.request_id])).toEqual([
      ['create', 'alice', 'req-1'],
      ['update', 'bob', null],
      ['soft_delete', 'system', null],
      ['restore', 'system', null],
      ['delete', 'system', null],
    ]);
    expect(rows.every((r) => r.entity_type === 'User')).toBe(true);
    expect(rows[0].old_values).toBeNull();
    expect(rows[0].new_values).toMatchObject({
      id: user.id,
      email: 'audited@example.com',
      displayName: 'Ada',
      version: 1,
    });
    expect(rows[1].old_values).toEqual({ displayName: 'Ada' });
    expect(rows[1].new_values).toEqual({ displayName: 'Grace' });
    expect(rows[2].old_values).toEqual({ deletedAt: null });
    expect(rows[2].new_values).toEqual({ deletedAt: expect.any(String) });
    expect(rows[3].new_values).toEqual({ deletedAt: null });
    expect(rows[4].old_values).toMatchObject({ id: user.id, displayName: 'Grace' });
    expect(rows[4].new_values).toBeNull();
  });

  it('audits each action on tasks and executions, cascaded soft deletes and restores included', async () => {
    const task = await tasks.create({ title: 'T', priority: 3 });
    const execution = await executions.create({ taskId: task.id, agentType: 'a' });
    await tasks.update(task.id, { priority: 5 }, { expectedVersion: 1 });
    await tasks.softDelete(task.id);
    await tasks.restore(task.id);
    expect((await trail(task.id)).map((r) => r.action)).toEqual(['create', 'update', 'soft_delete', 'restore']);
    expect((await trail(task.id))[1]).toMatchObject({ old_values: { priority: 3 }, new_values: { priority: 5 } });
    const child = await trail(execution.id);
    expect(child.map((r) => [r.entity_type, r.action])).toEqual([
      ['TaskExecution', 'create'],
      ['TaskExecution', 'soft_delete'],
      ['TaskExecution', 'restore'],
    ]);
  });

  it('keeps the order of changes made in one transaction: each its own time, ids in insertion order', async () => {
    const id = await moduleRef.get(DatabaseService).transaction(async () => {
      const task = await tasks.create({ title: 'ordered', priority: 1 });
      for (let priority = 2; priority <= 4; priority++) await tasks.update(task.id, { priority });
      await tasks.softDelete(task.id);
      return task.id;
    });
    const rows: Array<{ action: string; tx: string }> = await ds.query(
      `SELECT action, xmin::text AS tx FROM audit_logs WHERE entity_id = $1 ORDER BY id`,
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual(['create', 'update', 'update', 'update', 'soft_delete']);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
    const [{ increasing }] = await ds.query(
      `SELECT bool_and(created_at > previous) AS increasing
         FROM (SELECT created_at, lag(created_at) OVER (ORDER BY id) AS previous FROM audit_logs WHERE entity_id = $1) s
        WHERE previous IS NOT NULL`,
      [id],
    );
    // Strictly, in microseconds: with now() they would all share the transaction's start.
    expect(increasing).toBe(true);
  });

  it('writes nothing when the change fails or its transaction rolls back', async () => {
    const user = await users.create({ email: 'rb@example.com', displayName: 'x' });
    await expect(users.update(user.id, { displayName: 'y' }, { expectedVersion: 9 })).rejects.toThrow();
    await moduleRef
      .get(DatabaseService)
      .transaction(async () => {
        await users.update(user.id, { displayName: 'z' });
        await users.create({ email: 'rb2@example.com', displayName: 'x' });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect((await trail(user.id)).map((r) => r.action)).toEqual(['create']);
    expect(await ds.query(`SELECT 1 FROM audit_logs WHERE new_values->>'email' = 'rb2@example.com'`)).toEqual([]);
  });

  it('records that a redacted field changed, never its values', async () => {
    const key = await keys.create({ label: 'ci', keyHash: 'hash-ONE-secret' });
    await keys.update(key.id, { keyHash: 'hash-TWO-secret' });
    await keys.update(key.id, { label: 'ci2' });
    const rows = await trail(key.id);
    expect(rows[1]).toMatchObject({
      action: 'update',
      old_values: { keyHash: '[redacted]' },
      new_values: { keyHash: '[redacted]' },
    });
    expect(rows[2]).toMatchObject({ old_values: { label: 'ci' }, new_values: { label: 'ci2' } });
    const raw = JSON.stringify(await ds.query('SELECT * FROM audit_logs'));
    expect(raw).not.toMatch(/hash-ONE|hash-TWO/);
  });

  it('audits every row of createMany in the same single statement', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => ({ title: `bulk-audit ${i}` }));
    const created = await runAs('batch-job', () => tasks.createMany(rows));
    const [{ n }] = await ds.query(
      `SELECT count(*)::int AS n FROM audit_logs WHERE action = 'create' AND actor = 'batch-job' AND entity_id = ANY($1)`,
      [created.map((t) => t.id)],
    );
    expect(n).toBe(300);
  });

  it('audits every row of createMany without reading rows back, in one statement per chunk', async () => {
    const rows = Array.from({ length: 6_000 }, (_, i) => ({ title: `bulk-count ${i}`, priority: i % 11 }));
    const seen: string[] = [];
    const db = moduleRef.get(DatabaseService);
    db.observeQueries({ onStatement: (_name, text) => seen.push(text) });
    const count = await runAs('count-job', () => tasks.createMany(rows, { returning: false }), 'req-bulk').finally(() =>
      db.observeQueries(undefined),
    );
    expect(count).toBe(6_000);
    expect(seen).toHaveLength(2); // 5,000 + 1,000 rows, each INSERT with its audit rows; never COPY, never row by row
    expect(seen.every((s) => /unnest\(/.test(s) && /INSERT INTO "audit_logs"/.test(s))).toBe(true);
    const ids = (await ds.query(`SELECT id FROM tasks WHERE title LIKE 'bulk-count %'`)).map(
      (r: { id: string }) => r.id,
    );
    const audited = await ds.query(
      `SELECT entity_id, request_id FROM audit_logs WHERE entity_type = 'Task' AND action = 'create' AND actor = 'count-job'`,
    );
    expect(ids).toHaveLength(6_000);
    expect(audited.map((r: { entity_id: string }) => r.entity_id).sort()).toEqual(ids.sort());
    expect(audited.every((r: { request_id: string }) => r.request_id === 'req-bulk')).toBe(true);
    const [{ id }] = await ds.query(`SELECT id FROM tasks WHERE title = 'bulk-count 7'`);
    const [sample] = await trail(id);
    expect(sample.new_values).toMatchObject({ title: 'bulk-count 7', priority: 7, status: 'pending', version: 1 });
    // Audit rows follow the order of the batch, as the rows were given.
    const order = await ds.query(
      `SELECT t.title FROM audit_logs a JOIN tasks t ON t.id::text = a.entity_id WHERE a.actor = 'count-job' ORDER BY a.id`,
    );
    expect(order.map((r: { title: string }) => r.title)).toEqual(rows.map((r) => r.title));
  });

  it('writes the same audit rows for createMany with and without reading rows back', async () => {
    const row = (tag: string) => ({ title: `same-${tag}`, priority: 4, requirements: { gpu: true, tags: ['a\tb'] } });
    const [read] = await runAs('same-job', () => tasks.createMany([row('read')]), 'req-same');
    await runAs('same-job', () => tasks.createMany([row('copied')], { returning: false }), 'req-same');
    const [{ id: copiedId }] = await ds.query(`SELECT id FROM tasks WHERE title = 'same-copied'`);
    const [a] = await trail(read.id);
    const [b] = await trail(copiedId);
    const comparable = ({ entity_id, new_values, ...rest }: AuditRow, id: string) => {
      const { id: key, createdAt, updatedAt, title, ...values } = new_values!;
      expect([entity_id, key]).toEqual([id, id]);
      expect(typeof createdAt).toBe('string');
      expect(updatedAt).toBe(createdAt);
      return { ...rest, title: String(title).replace(/-\w+$/, ''), values };
    };
    expect(comparable(b, copiedId)).toEqual(comparable(a, read.id));
    expect(Object.keys(b.new_values!).sort()).toEqual(Object.keys(a.new_values!).sort());
  });

  it('redacts fields in the audit rows of createMany without reading rows back', async () => {
    const count = await keys.createMany(
      [
        { label: 'bulk-k1', keyHash: 'hash-BULK-one' },
        { label: 'bulk-k2', keyHash: 'hash-BULK-two' },
      ],
      { returning: false },
    );
    expect(count).toBe(2);
    const stored = await ds.query(`SELECT key_hash FROM api_keys WHERE label LIKE 'bulk-k%' ORDER BY label`);
    expect(stored).toEqual([{ key_hash: 'hash-BULK-one' }, { key_hash: 'hash-BULK-two' }]);
    const audited = await ds.query(
      `SELECT new_values FROM audit_logs WHERE entity_type = 'ApiKey' AND new_values->>'label' LIKE 'bulk-k%' ORDER BY id`,
    );
    expect(audited.map((r: { new_values: Record<string, unknown> }) => r.new_values)).toMatchObject([
      { label: 'bulk-k1', keyHash: '[redacted]' },
      { label: 'bulk-k2', keyHash: '[redacted]' },
    ]);
    expect(JSON.stringify(await ds.query('SELECT * FROM audit_logs'))).not.toMatch(/hash-BULK/);
  });

  it('writes neither rows nor audit rows when a batch without reading back fails or its transaction rolls back', async () => {
    const rows = [{ title: 'gone-1' }, { title: 'gone-2' }, { title: 42 as unknown as string }];
    await expect(tasks.createMany(rows, { returning: false })).rejects.toMatchObject({
      errors: { '2.title': expect.any(Array) },
    });
    await expect(
      moduleRef.get(DatabaseService).transaction(async () => {
        await tasks.createMany([{ title: 'gone-3' }, { title: 'gone-4', priority: 2 }], { returning: false });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM tasks WHERE title LIKE 'gone-%'`);
    const [{ a }] = await ds.query(
      `SELECT count(*)::int AS a FROM audit_logs WHERE new_values->>'title' LIKE 'gone-%'`,
    );
    expect([n, a]).toEqual([0, 0]);
  });

  it('audits createMany without reading back inside a transaction, which the rows and audit rows commit with', async () => {
    const count = await moduleRef
      .get(DatabaseService)
      .transaction(() =>
        runAs('tx-job', () =>
          tasks.createMany([{ title: 'tx-bulk 1' }, { title: 'tx-bulk 2', priority: 3 }], { returning: false }),
        ),
      );
    expect(count).toBe(2);
    const audited = await ds.query(
      `SELECT a.entity_id, a.new_values->>'title' AS title FROM audit_logs a JOIN tasks t ON t.id::text = a.entity_id WHERE a.actor = 'tx-job' ORDER BY a.new_values->>'title'`,
    );
    expect(audited.map((r: { title: string }) => r.title)).toEqual(['tx-bulk 1', 'tx-bulk 2']);
  });

  /**
   * The same service compiled as for a server before PostgreSQL 18 (no `RETURNING OLD`), on any
   * server. The seam is the version TypeORM's driver read when it connected, which a service
   * consults when it is built (src/database/sql/server-version.ts): 17 for that moment only.
   */
  function compiledForPostgres17<T extends object>(service: RepositoryService<T>, entity: Function) {
    const driver = ds.driver as { version?: string };
    const actual = driver.version;
    driver.version = '17.6';
    try {
      return new RepositoryService<T>(entity, ds, (service as unknown as { context: never }).context);
    } finally {
      driver.version = actual;
    }
  }

  /** Runs `work` and resolves with the form of every update statement of `table` it ran. */
  async function updateFormsOf(table: string, work: () => Promise<unknown>): Promise<string[]> {
    const forms: string[] = [];
    const db = moduleRef.get(DatabaseService);
    db.observeQueries({
      onStatement: (_name, text) => {
        if (text.includes(`UPDATE "${table}"`)) forms.push(updateForm(text));
      },
    });
    await work().finally(() => db.observeQueries(undefined));
    return forms;
  }

  it(`compiles audited updates for the server: RETURNING OLD from PostgreSQL ${RETURNING_OLD_SINCE}, SELECT … FOR UPDATE before (this server: ${SERVER_MAJOR})`, async () => {
    const task = await tasks.create({ title: 'form' });
    const [actual] = await ds.query(`SELECT current_setting('server_version_num')::int / 10000 AS major`);
    expect(actual.major).toBe(SERVER_MAJOR);
    expect(await updateFormsOf('tasks', () => tasks.update(task.id, { title: 'default' }))).toEqual([
      HAS_RETURNING_OLD ? 'RETURNING OLD' : 'SELECT … FOR UPDATE',
    ]);
    const tasks17 = compiledForPostgres17(tasks, Task);
    expect(await updateFormsOf('tasks', () => tasks17.update(task.id, { title: 'forced' }))).toEqual([
      'SELECT … FOR UPDATE',
    ]);
  });

  it('audits updates the same way before PostgreSQL 18 (old row locked, then updated)', async () => {
    const users17 = compiledForPostgres17(users, User);
    const user = await users.create({ email: 'pg17@example.com', displayName: 'Old' });
    let updated: User | undefined;
    const forms = await updateFormsOf('users', async () => {
      updated = await users17.update(user.id, { displayName: 'New' }, { expectedVersion: 1 });
    });
    expect(forms).toEqual(['SELECT … FOR UPDATE']);
    expect(updated).toMatchObject({ displayName: 'New', version: 2 });
    await expect(users17.update(user.id, { displayName: 'x' }, { expectedVersion: 1 })).rejects.toThrow(/version/);
    const rows = await trail(user.id);
    expect(rows.map((r) => r.action)).toEqual(['create', 'update']);
    expect(rows[1]).toMatchObject({ old_values: { displayName: 'Old' }, new_values: { displayName: 'New' } });
    const [stored] = await ds.query('SELECT display_name, version FROM users WHERE id = $1', [user.id]);
    expect(stored).toEqual({ display_name: 'New', version: 2 });
  });

  /** Concurrent updates of one row, each audited with the values it replaced, in `form`. */
  async function concurrentUpdates(form: UpdateForm, repo: RepositoryService<Task>): Promise<void> {
    const task = await repo.create({ title: 'v0' });
    const n = 6; // fewer than the pool's connections: every update is in flight at once
    // Hold the row, so that every update takes its snapshot before any other commits, then waits.
    const holder = ds.createQueryRunner();
    await holder.startTransaction();
    await holder.query('SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE', [task.id]);
    let updates!: Promise<unknown>;
    const forms = updateFormsOf('tasks', () => {
      updates = Promise.all(Array.from({ length: n }, (_, i) => repo.update(task.id, { title: `v${i + 1}` })));
      return updates;
    });
    for (let waiting = 0; waiting < n; await new Promise((r) => setTimeout(r, 10))) {
      const [{ count }] = await ds.query(
        `SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      waiting = count;
    }
    await holder.commitTransaction();
    await holder.release();
    await updates;
    expect(await forms).toEqual(Array.from({ length: n }, () => form));
    const rows = (await trail(task.id)).filter((r) => r.action === 'update');
    expect(rows).toHaveLength(n);
    // In the order they happened, each update's old value is the previous one's new value.
    let previous = 'v0';
    for (const row of rows) {
      expect(row.old_values).toEqual({ title: previous });
      previous = (row.new_values as { title: string }).title;
    }
    const [stored] = await ds.query('SELECT title, version FROM tasks WHERE id = $1', [task.id]);
    expect(stored).toEqual({ title: previous, version: n + 1 });
    expect(new Set(rows.map((r) => (r.new_values as { title: string }).title)).size).toBe(n);
  }

  (HAS_RETURNING_OLD ? it : it.skip)(
    `audits the values each of many concurrent updates of one row replaced: RETURNING OLD${HAS_RETURNING_OLD ? '' : ` [skipped: the server is PostgreSQL ${SERVER_MAJOR}; RETURNING OLD needs ${RETURNING_OLD_SINCE}]`}`,
    () => concurrentUpdates('RETURNING OLD', tasks),
  );

  it('audits the values each of many concurrent updates of one row replaced: SELECT … FOR UPDATE (the form before 18, on any server)', () =>
    concurrentUpdates('SELECT … FOR UPDATE', compiledForPostgres17(tasks, Task)));

  it('keeps each concurrent actor on its own writes (no cross-talk)', async () => {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        runAs(`actor-${i}`, async () => {
          await new Promise((r) => setTimeout(r, (i * 7) % 13));
          return users.create({ email: `concurrent${i}@example.com`, displayName: `C${i}` });
        }),
      ),
    );
    const rows = await ds.query(`SELECT entity_id, actor FROM audit_logs WHERE entity_id = ANY($1)`, [
      created.map((u) => u.id),
    ]);
    const actorOf = new Map(rows.map((r: { entity_id: string; actor: string }) => [r.entity_id, r.actor]));
    created.forEach((u, i) => expect(actorOf.get(u.id)).toBe(`actor-${i}`));
  });
});
