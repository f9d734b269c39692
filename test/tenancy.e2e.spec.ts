import { Injectable } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { InjectRepository } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, Repository } from 'typeorm';
import { appDatabaseModuleOptions } from '../src/app.data-source';
import {
  DatabaseModule,
  DatabaseService,
  EntityNotFoundError,
  InjectRepositoryService,
  Propagation,
  RepositoryService,
  runAsTenant,
  TenantContextError,
  TenantViolationError,
} from '../src/database';
import { Note } from '../src/entities';
import { countStatements } from './support/repository-fixture';
import { createTenantRole, TenantRole, tenants } from './support/tenant-role';
import { createTestDatabase, TestDatabase, withAdminClient } from './support/test-database';

/** What application code has at hand: the module's repository, TypeORM's, and raw SQL in a service. */
@Injectable()
class NotesProbe {
  constructor(
    @InjectRepositoryService(Note) readonly notes: RepositoryService<Note>,
    @InjectRepository(Note) readonly typeorm: Repository<Note>,
    readonly db: DatabaseService,
  ) {}

  /** A raw query as a service would write it: no tenant predicate anywhere. */
  titles(): Promise<string[]> {
    return this.db
      .query<{ title: string }>('SELECT title FROM notes ORDER BY title')
      .then((r) => r.map((x) => x.title));
  }
}

const [A, B] = Object.values(tenants());

describe.each([
  ['named prepared statements', {}],
  ['unnamed statements (transaction-pooler mode)', { DB_PREPARED_STATEMENTS: 'false' }],
])('tenant isolation by row-level security, %s', (_label, env) => {
  let db: TestDatabase;
  let role: TenantRole;
  let moduleRef: TestingModule;
  let probe: NotesProbe;
  let notes: RepositoryService<Note>;
  let pool: Pool;
  /** Reads the database back as the superuser, whom row-level security does not bind. */
  const admin = <R = any>(text: string, values: unknown[] = []) =>
    withAdminClient(db.url, (c) => c.query(text, values)).then((r) => r.rows as R[]);
  const asA = <R>(fn: () => Promise<R>) => runAsTenant(A, fn);
  const asB = <R>(fn: () => Promise<R>) => runAsTenant(B, fn);
  let aIds: string[];
  let bIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    role = await createTenantRole(db);
    moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot(
          appDatabaseModuleOptions({ DATABASE_URL: role.url, NODE_ENV: 'test', DB_POOL_MAX: '5', ...env }),
        ),
        DatabaseModule.forFeature([Note]),
      ],
      providers: [NotesProbe],
    }).compile();
    await moduleRef.init();
    probe = moduleRef.get(NotesProbe);
    notes = probe.notes;
    pool = (moduleRef.get(DataSource).driver as unknown as { master: Pool }).master;
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
    await role?.drop();
  });

  beforeEach(async () => {
    await admin('TRUNCATE notes');
    aIds = (await asA(() => notes.createMany([{ title: 'a1' }, { title: 'a2' }, { title: 'a3' }]))).map((n) => n.id);
    bIds = (await asB(() => notes.createMany([{ title: 'b1' }, { title: 'b2' }]))).map((n) => n.id);
  });

  it('runs as an ordinary role that owns the table, and FORCE binds it: without a tenant it sees no row', async () => {
    const [me] = await probe.db.query(
      `SELECT r.rolsuper, r.rolbypassrls, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) AS owner
         FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.oid = 'notes'::regclass`,
    );
    expect(me).toEqual({
      rolsuper: false,
      rolbypassrls: false,
      relrowsecurity: true,
      relforcerowsecurity: true,
      owner: role.name,
    });
    expect(await admin('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 5 }]);
    expect(await probe.db.query('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 0 }]);
  });

  it('stamps inserts with the current tenant', async () => {
    const rows = await admin<{ title: string; tenant_id: string }>('SELECT title, tenant_id FROM notes ORDER BY title');
    expect(rows).toEqual([
      { title: 'a1', tenant_id: A },
      { title: 'a2', tenant_id: A },
      { title: 'a3', tenant_id: A },
      { title: 'b1', tenant_id: B },
      { title: 'b2', tenant_id: B },
    ]);
    const one = await asA(() => notes.create({ title: 'a4' }));
    expect(one.tenantId).toBe(A);
    expect(await asB(() => notes.createMany([{ title: 'b3' }, { title: 'b4' }], { returning: false }))).toBe(2);
    expect(await admin(`SELECT tenant_id FROM notes WHERE title IN ('b3', 'b4')`)).toEqual([
      { tenant_id: B },
      { tenant_id: B },
    ]);
  });

  it('RepositoryService: A cannot read, list, count, find or stream B’s rows', async () => {
    await asA(async () => {
      expect(await notes.findById(bIds[0])).toBeNull();
      expect(await notes.findById(bIds[0], { withDeleted: true })).toBeNull();
      expect((await notes.findById(aIds[0]))?.title).toBe('a1');
      const page = await notes.paginate({ limit: 100 });
      expect(page.data.map((n) => n.title).sort()).toEqual(['a1', 'a2', 'a3']);
      expect(page.meta.totalItems).toBe(3);
      const filtered = await notes.paginate({ filter: { tenantId: `$eq:${B}` } });
      expect(filtered.data).toEqual([]);
      expect(await notes.count()).toBe(3);
      expect(await notes.exists({ id: bIds[0] })).toBe(false);
      expect(await notes.findOne({ id: bIds[0] })).toBeNull();
      expect((await notes.find()).map((n) => n.title).sort()).toEqual(['a1', 'a2', 'a3']);
      const streamed: string[] = [];
      for await (const n of notes.stream({}, { batchSize: 2 })) streamed.push(n.title);
      expect(streamed.sort()).toEqual(['a1', 'a2', 'a3']);
    });
    expect(await asB(() => notes.count())).toBe(2);
  });

  it('a deep offset page (read by keys first) holds the tenant’s rows only, as the plain query gives them', async () => {
    // 2,400 notes each, created in the same seconds (ties), so a page past 2,000 rows is a deferred join.
    await admin(
      `INSERT INTO notes (tenant_id, title, created_at)
       SELECT t, 'n' || (i % 7), timestamp '2026-01-01' - (i / 4) * interval '1 second'
         FROM generate_series(1, 2400) AS i, unnest($1::uuid[]) AS t`,
      [[A, B]],
    );
    await admin('VACUUM ANALYZE notes');
    // By the (tenant_id, created_at, id) index from the page's first row (tenant filtered), or by ids.
    const queries: Array<[Record<string, string>, string | string[], string]> = [
      [{ tenantId: A }, 'createdAt:DESC', 'created_at DESC, id DESC'],
      [{}, 'createdAt:DESC', 'created_at DESC, id DESC'],
      [{}, ['title:ASC', 'createdAt:DESC'], 'title ASC, created_at DESC, id DESC'],
    ];
    for (const [filter, sortBy, order] of queries) {
      for (const page of [21, 24, 25]) {
        const got = await asA(() => notes.paginate({ limit: 100, page, sortBy, filter }));
        const expected = await admin<{ id: string }>(
          `SELECT id FROM notes WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY ${order} OFFSET $2 LIMIT 100`,
          [A, (page - 1) * 100],
        );
        expect(got.data.map((n) => n.id)).toEqual(expected.map((r) => r.id));
        expect(got.meta.totalItems).toBe(2403);
      }
    }
    const other = await asA(() => notes.paginate({ limit: 100, page: 21, filter: { tenantId: B } }));
    expect(other.data).toEqual([]);
    const [keyset] = await countStatements(moduleRef.get(DataSource), () =>
      asA(() => notes.paginate({ limit: 100, page: 21, filter: { tenantId: A }, count: false })),
    );
    expect(keyset).toContain('AND ("created_at", "id") <= (SELECT "created_at", "id" FROM "notes" WHERE');
  });

  it('RepositoryService: A cannot update, soft delete, restore or delete B’s rows', async () => {
    await asA(async () => {
      await expect(notes.update(bIds[0], { title: 'taken' })).rejects.toBeInstanceOf(EntityNotFoundError);
      await expect(notes.softDelete(bIds[0])).rejects.toBeInstanceOf(EntityNotFoundError);
      await expect(notes.delete(bIds[1])).rejects.toBeInstanceOf(EntityNotFoundError);
    });
    await asB(() => notes.softDelete(bIds[1]));
    await expect(asA(() => notes.restore(bIds[1]))).rejects.toBeInstanceOf(EntityNotFoundError);
    expect(
      await admin('SELECT title, deleted_at IS NOT NULL AS deleted FROM notes WHERE tenant_id = $1 ORDER BY title', [
        B,
      ]),
    ).toEqual([
      { title: 'b1', deleted: false },
      { title: 'b2', deleted: true },
    ]);
    // The same calls work on the tenant's own rows.
    await asA(async () => {
      expect((await notes.update(aIds[0], { title: 'a1!' })).title).toBe('a1!');
      await notes.softDelete(aIds[1]);
      expect((await notes.restore(aIds[1])).title).toBe('a2');
    });
  });

  it('inserts and updates cannot name another tenant, by any path', async () => {
    await expect(asA(() => notes.create({ title: 'x', tenantId: B }))).rejects.toBeInstanceOf(TenantViolationError);
    await expect(asA(() => notes.update(aIds[0], { tenantId: B }))).rejects.toBeInstanceOf(TenantViolationError);
    await expect(
      asA(() => probe.db.execute('INSERT INTO notes (title, tenant_id) VALUES ($1, $2)', ['x', B])),
    ).rejects.toBeInstanceOf(TenantViolationError);
    await expect(
      asA(() => probe.db.transaction(() => probe.typeorm.insert({ title: 'x', tenantId: B }))),
    ).rejects.toThrow(/row-level security/);
    expect(await admin(`SELECT count(*)::int AS n FROM notes WHERE title = 'x'`)).toEqual([{ n: 0 }]);
    expect(await admin('SELECT count(*)::int AS n FROM notes WHERE tenant_id = $1', [A])).toEqual([{ n: 3 }]);
  });

  it('raw SQL in a service sees and changes its tenant’s rows only', async () => {
    expect(await asA(() => probe.titles())).toEqual(['a1', 'a2', 'a3']);
    expect(await asB(() => probe.titles())).toEqual(['b1', 'b2']);
    expect(await asA(() => probe.db.execute(`UPDATE notes SET title = title || '!'`))).toBe(3);
    expect(await asA(() => probe.db.execute('DELETE FROM notes WHERE id = ANY($1)', [bIds]))).toBe(0);
    expect((await admin('SELECT title FROM notes ORDER BY title')).map((r) => r.title)).toEqual([
      'a1!',
      'a2!',
      'a3!',
      'b1',
      'b2',
    ]);
  });

  it('TypeORM’s injected repository: fail closed outside a transaction, its tenant only inside one', async () => {
    expect(await asA(() => probe.typeorm.find())).toEqual([]);
    const seen = await asA(() => probe.db.transaction(() => probe.typeorm.find({ order: { title: 'ASC' } })));
    expect(seen.map((n) => n.title)).toEqual(['a1', 'a2', 'a3']);
    await asA(() =>
      probe.db.transaction(async () => {
        expect(await probe.typeorm.count()).toBe(3);
        expect(await probe.typeorm.findOneBy({ id: bIds[0] })).toBeNull();
        expect((await probe.typeorm.update({ id: bIds[0] }, { title: 'taken' })).affected).toBe(0);
        expect((await probe.typeorm.softDelete({ id: bIds[0] })).affected).toBe(0);
        expect((await probe.typeorm.delete({ id: bIds[1] })).affected).toBe(0);
      }),
    );
    await asB(() => probe.db.transaction(() => probe.typeorm.softDelete({ id: bIds[1] })));
    expect(await asA(() => probe.db.transaction(() => probe.typeorm.restore({ id: bIds[1] })))).toMatchObject({
      affected: 0,
    });
    expect(
      await admin('SELECT title, deleted_at IS NOT NULL AS deleted FROM notes WHERE tenant_id = $1 ORDER BY title', [
        B,
      ]),
    ).toEqual([
      { title: 'b1', deleted: false },
      { title: 'b2', deleted: true },
    ]);
  });

  it('fails closed without a tenant: the repository refuses, raw SQL sees and writes nothing', async () => {
    await expect(notes.findById(aIds[0])).rejects.toBeInstanceOf(TenantContextError);
    await expect(notes.paginate()).rejects.toBeInstanceOf(TenantContextError);
    await expect(notes.count()).rejects.toBeInstanceOf(TenantContextError);
    await expect(notes.create({ title: 'nobody' })).rejects.toThrow(/no tenant is set/);
    expect(await probe.titles()).toEqual([]);
    expect(await probe.db.execute(`UPDATE notes SET title = 'gone'`)).toBe(0);
    expect(await probe.db.transaction(() => probe.typeorm.find())).toEqual([]);
    await expect(probe.db.execute(`INSERT INTO notes (title) VALUES ('nobody')`)).rejects.toThrow();
    expect(await admin(`SELECT count(*)::int AS n FROM notes WHERE title IN ('gone', 'nobody')`)).toEqual([{ n: 0 }]);
  });

  it('a transaction keeps its tenant after a savepoint rolls back, and refuses a switch of tenant inside it', async () => {
    await asA(() =>
      probe.db.transaction(async () => {
        await expect(
          probe.db.transaction(
            async () => {
              await notes.create({ title: 'inner' });
              throw new Error('undo the savepoint');
            },
            { propagation: Propagation.Nested },
          ),
        ).rejects.toThrow('undo the savepoint');
        expect(await probe.db.query(`SELECT current_setting('app.tenant_id', true) AS t`)).toEqual([{ t: A }]);
        expect(await probe.titles()).toEqual(['a1', 'a2', 'a3']);
        await expect(asB(() => probe.titles())).rejects.toBeInstanceOf(TenantContextError);
      }),
    );
  });

  it('50 concurrent calls alternating tenants on a pool of 5 never see each other’s rows', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const tenant = i % 2 ? B : A;
        return runAsTenant(tenant, async () => {
          if (i % 5 === 0) await notes.create({ title: `${tenant === A ? 'a' : 'b'}-${i}` });
          const page = await notes.paginate({ limit: 100 });
          const raw = await probe.db.query<{ tenant_id: string }>('SELECT tenant_id FROM notes');
          return { tenant, seen: [...page.data.map((n) => n.tenantId), ...raw.map((r) => r.tenant_id)] };
        });
      }),
    );
    for (const { tenant, seen } of results) {
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((t) => t === tenant)).toBe(true);
    }
    expect(pool.totalCount).toBeLessThanOrEqual(5);
  });

  it('leaves no tenant on a pooled connection: its next user reads no setting', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => runAsTenant(i % 2 ? A : B, () => notes.count())));
    await Promise.all(Array.from({ length: 20 }, (_, i) => runAsTenant(i % 2 ? A : B, () => notes.findById(aIds[0]))));
    // Every connection of the pool at once: each was used by tenant statements above.
    const clients = await Promise.all(Array.from({ length: 5 }, () => pool.connect()));
    try {
      for (const client of clients) {
        const { rows } = await client.query(
          `SELECT coalesce(current_setting('app.tenant_id', true), '') AS t, (SELECT count(*)::int FROM notes) AS n`,
        );
        expect(rows).toEqual([{ t: '', n: 0 }]);
      }
    } finally {
      for (const client of clients) client.release();
    }
  });
});
