import { Test, TestingModule } from '@nestjs/testing';
import { Client } from 'pg';
import { DataSource, Repository } from 'typeorm';
import { runAs } from '../src/database/audit/audit-context';
import { DatabaseModule } from '../src/database/database.module';
import { buildDatabaseModuleOptions, DatabaseModuleOptions } from '../src/database/database.options';
import { EntityNotFoundError } from '../src/database/errors/entity-not-found.error';
import { InvalidQueryError } from '../src/database/errors/invalid-query.error';
import { OptimisticLockError } from '../src/database/errors/optimistic-lock.error';
import type { RepositoryContext } from '../src/database/repository/repository.context';
import { RepositoryService } from '../src/database/repository/repository.service';
import { getRepositoryServiceToken, REPOSITORY_CONTEXT } from '../src/database/repository/repository.tokens';
import { UnsupportedEntityError } from '../src/database/repository/unsupported-entity.error';
import { Invoice } from './fixtures/user-entities/invoice.entity';
import { InvoiceLine } from './fixtures/user-entities/invoice-line.entity';
import { Pair } from './fixtures/user-entities/pair.entity';
import { USER_ENTITIES, USER_ENTITIES_SCHEMA } from './fixtures/user-entities/schema';
import { Sku } from './fixtures/user-entities/sku.entity';
import { Tag } from './fixtures/user-entities/tag.entity';
import { countStatements } from './support/repository-fixture';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** A module of the user entities, built as an app builds it; `options` adds module options (audit). */
async function userEntitiesModule(db: TestDatabase, options: Partial<DatabaseModuleOptions> = {}) {
  const moduleRef = await Test.createTestingModule({
    imports: [
      DatabaseModule.forRoot({
        ...buildDatabaseModuleOptions(db.env),
        entities: USER_ENTITIES,
        migrations: [],
        synchronize: false,
        ...options,
      }),
      DatabaseModule.forFeature([Invoice, InvoiceLine, Tag, Sku]),
    ],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe("RepositoryService with a user's own entities (no package base class)", () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let ds: DataSource;
  let invoices: RepositoryService<Invoice>;
  let lines: RepositoryService<InvoiceLine>;
  let tags: RepositoryService<Tag>;
  let skus: RepositoryService<Sku>;
  let typeorm: Repository<Invoice>;
  const sql = <R = any>(text: string, values?: unknown[]): Promise<R[]> => ds.query(text, values);

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(USER_ENTITIES_SCHEMA).finally(() => client.end());
    moduleRef = await userEntitiesModule(db);
    ds = moduleRef.get(DataSource);
    invoices = moduleRef.get(getRepositoryServiceToken(Invoice));
    lines = moduleRef.get(getRepositoryServiceToken(InvoiceLine));
    tags = moduleRef.get(getRepositoryServiceToken(Tag));
    skus = moduleRef.get(getRepositoryServiceToken(Sku));
    typeorm = ds.getRepository(Invoice);
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  const invoice = (customerEmail: string, amountCents = '100') => invoices.create({ customerEmail, amountCents });

  describe('an integer key, version and date columns under their own names', () => {
    it('creates a row as TypeORM does: version 1, both dates filled, the serial key returned as a number', async () => {
      const ours = await invoices.create({ customerEmail: 'ours@example.com', amountCents: '9007199254740993' });
      const theirs = await typeorm.save(
        typeorm.create({ customerEmail: 'theirs@example.com', amountCents: '9007199254740993' }),
      );
      const rows = await sql(
        'SELECT id, customer_email, amount_cents::text, version, created, modified, removed_at FROM invoices WHERE id = ANY($1) ORDER BY id',
        [[ours.id, theirs.id]],
      );
      expect(rows.map((r) => r.version)).toEqual([1, 1]);
      for (const row of rows) {
        expect(row.amount_cents).toBe('9007199254740993');
        expect(row.created).toBeInstanceOf(Date);
        expect(row.modified).toEqual(row.created);
        expect(row.removed_at).toBeNull();
      }
      expect(typeof ours.id).toBe('number');
      expect(ours).toMatchObject({
        id: rows[0].id,
        version: 1,
        createdOn: rows[0].created,
        modifiedOn: rows[0].modified,
      });
      // The same entity, property for property, as TypeORM reads it back.
      expect(await invoices.findById(ours.id)).toEqual(await typeorm.findOneBy({ id: ours.id }));
      expect(await invoices.findById(theirs.id)).toEqual(await typeorm.findOneBy({ id: theirs.id }));
      expect(ours).toEqual(await typeorm.findOneBy({ id: ours.id }));
    });

    it('refuses to write the key and the managed columns', async () => {
      for (const field of ['id', 'version', 'createdOn', 'modifiedOn', 'removedAt']) {
        await expect(
          invoices.create({ customerEmail: 'x@example.com', amountCents: '1', [field]: 1 } as never),
        ).rejects.toMatchObject({ errors: { [field]: ['is not a writable field'] } });
      }
    });

    it('finds by an integer key given as a number or text, and answers null for what cannot be a key', async () => {
      const created = await invoice('find@example.com');
      expect((await invoices.findById(created.id))?.customerEmail).toBe('find@example.com');
      expect((await invoices.findById(String(created.id)))?.id).toBe(created.id);
      // No statement runs for a value PostgreSQL would refuse for an integer column.
      for (const id of ['abc', 1.5, 2 ** 40, '00000000-0000-4000-8000-000000000000', null, {}]) {
        const statements = await countStatements(ds, async () => expect(await invoices.findById(id)).toBeNull());
        expect(statements).toEqual([]);
      }
      await expect(invoices.findByIdOrFail(2 ** 31 - 1)).rejects.toBeInstanceOf(EntityNotFoundError);
      await expect(invoices.update('abc', { tax: '1' })).rejects.toBeInstanceOf(EntityNotFoundError);
      await expect(invoices.delete(-5)).rejects.toBeInstanceOf(EntityNotFoundError);
    });

    it('finds, counts and checks existence with filters on renamed columns', async () => {
      const a = await invoice('renamed@example.com', '700');
      await invoice('renamed@example.com', '800');
      expect((await invoices.findOne({ customerEmail: 'renamed@example.com', amountCents: '700' }))?.id).toBe(a.id);
      expect(await invoices.find({ where: { customerEmail: 'renamed@example.com' }, order: { id: 'ASC' } })).toEqual(
        await typeorm.find({ where: { customerEmail: 'renamed@example.com' }, order: { id: 'ASC' } }),
      );
      expect(await invoices.count({ customerEmail: 'renamed@example.com' })).toBe(2);
      expect(await invoices.exists({ customerEmail: 'renamed@example.com' })).toBe(true);
      expect(await invoices.exists({ customerEmail: 'nobody@example.com' })).toBe(false);
    });

    it('createMany writes version 1 through the unnest INSERT and through COPY, like TypeORM', async () => {
      const email = 'bulk@example.com';
      const created = await invoices.createMany([
        { customerEmail: email, amountCents: '1' },
        { customerEmail: email, amountCents: '2', tax: '0.50' },
      ]);
      expect(created.map((r) => [r.version, typeof r.id])).toEqual([
        [1, 'number'],
        [1, 'number'],
      ]);
      // Without the audit trail, `returning: false` streams the rows as COPY … FROM STDIN.
      const rows = Array.from({ length: 2_500 }, (_, i) => ({ customerEmail: email, amountCents: String(1_000 + i) }));
      let count = 0;
      const statements = await countStatements(ds, async () => {
        count = await invoices.createMany(rows, { returning: false });
      });
      expect(count).toBe(2_500);
      expect(statements).toEqual([]); // COPY runs on a client of its own, not through pool.query
      const [stored] = await sql(
        `SELECT count(*)::int AS n, min(version) AS lo, max(version) AS hi, count(created)::int AS dated,
                count(*) FILTER (WHERE modified = created)::int AS fresh
           FROM invoices WHERE customer_email = $1`,
        [email],
      );
      expect(stored).toEqual({ n: 2_502, lo: 1, hi: 1, dated: 2_502, fresh: 2_502 });
    });

    it('paginates in offset mode with a filter on a renamed column, sorted by another', async () => {
      const email = 'pages@example.com';
      await invoices.createMany([5, 3, 9, 1, 7].map((n) => ({ customerEmail: email, amountCents: String(n) })));
      const page = await invoices.paginate({
        filter: { customerEmail: email },
        sortBy: 'amountCents:DESC',
        limit: 2,
        page: 2,
      });
      expect(page.data.map((i) => i.amountCents)).toEqual(['5', '3']);
      expect(page.meta).toMatchObject({ totalItems: 5, totalPages: 3, currentPage: 2 });
      expect(page.data[0]).toEqual(await typeorm.findOneBy({ id: page.data[0].id }));
    });

    it('walks keyset pages sorted by a renamed column, ties broken by the integer key, as SQL orders them', async () => {
      const email = 'keyset@example.com';
      await invoices.createMany(
        Array.from({ length: 23 }, (_, i) => ({ customerEmail: email, amountCents: String(i % 4) })),
      );
      const seen: number[] = [];
      let cursor = '';
      for (;;) {
        const page = await invoices.paginate({
          filter: { customerEmail: email },
          sortBy: 'amountCents:DESC',
          limit: 5,
          cursor,
        });
        seen.push(...page.data.map((i) => i.id));
        if (!page.links.next) break;
        cursor = new URL(page.links.next, 'http://x').searchParams.get('cursor')!;
      }
      const expected = await sql(
        'SELECT id FROM invoices WHERE customer_email = $1 ORDER BY amount_cents DESC, id DESC',
        [email],
      );
      expect(seen).toEqual(expected.map((r) => r.id));
    });

    it('sorts by the creation column by default, newest first', async () => {
      const page = await invoices.paginate({ filter: { customerEmail: 'keyset@example.com' }, limit: 100 });
      expect(page.meta.sortBy).toEqual([['createdOn', 'DESC']]);
      const expected = await sql('SELECT id FROM invoices WHERE customer_email = $1 ORDER BY created DESC, id DESC', [
        'keyset@example.com',
      ]);
      expect(page.data.map((i) => i.id)).toEqual(expected.map((r) => r.id));
    });

    it('streams every matching row in the asked order', async () => {
      const streamed: Invoice[] = [];
      for await (const row of invoices.stream(
        { filter: { customerEmail: 'keyset@example.com' }, sortBy: 'amountCents:ASC' },
        { batchSize: 4 },
      )) {
        streamed.push(row);
      }
      const expected = await sql(
        'SELECT id FROM invoices WHERE customer_email = $1 ORDER BY amount_cents ASC, id ASC',
        ['keyset@example.com'],
      );
      expect(streamed.map((i) => i.id)).toEqual(expected.map((r) => r.id));
      expect(streamed[0]).toBeInstanceOf(Invoice);
    });

    it('updates as TypeORM does: version + 1, modification time set, creation time kept', async () => {
      const ours = await invoice('update-ours@example.com');
      const theirs = await invoice('update-theirs@example.com');
      const updated = await invoices.update(ours.id, { tax: '1.25' }, { expectedVersion: 1 });
      await typeorm.update(theirs.id, { tax: '1.25' });
      const rows = await sql(
        'SELECT id, version, tax, created, modified FROM invoices WHERE id = ANY($1) ORDER BY id',
        [[ours.id, theirs.id]],
      );
      expect(rows.map((r) => [r.version, r.tax])).toEqual([
        [2, '1.25'],
        [2, '1.25'],
      ]);
      for (const row of rows) expect(row.modified.getTime()).toBeGreaterThanOrEqual(row.created.getTime());
      expect(updated).toEqual(await typeorm.findOneBy({ id: ours.id }));
      expect(updated.createdOn).toEqual(ours.createdOn);
    });

    it('refuses a stale version with OptimisticLockError and changes nothing', async () => {
      const row = await invoice('stale@example.com');
      await invoices.update(row.id, { tax: '2.00' });
      const error = await invoices.update(row.id, { tax: '3.00' }, { expectedVersion: 1 }).catch((e) => e);
      expect(error).toBeInstanceOf(OptimisticLockError);
      expect(error.message).toContain('is at version 2, not 1');
      expect(await sql('SELECT version, tax FROM invoices WHERE id = $1', [row.id])).toEqual([
        { version: 2, tax: '2.00' },
      ]);
    });

    it('soft-deletes into removed_at as TypeORM does (version bumped), with its children, and restores', async () => {
      const ours = await invoice('soft-ours@example.com');
      const theirs = await invoice('soft-theirs@example.com');
      const line = await lines.create({ invoice: { id: ours.id }, shipOn: '2024-05-06' });
      await invoices.softDelete(ours.id);
      await typeorm.softDelete(theirs.id);
      const rows = await sql('SELECT id, version, removed_at, modified FROM invoices WHERE id = ANY($1) ORDER BY id', [
        [ours.id, theirs.id],
      ]);
      expect(rows.map((r) => r.version)).toEqual([2, 2]);
      for (const row of rows) expect(row.removed_at).toBeInstanceOf(Date);
      const [child] = await sql('SELECT gone_at FROM invoice_lines WHERE no = $1', [line.lineNo]);
      expect(child.gone_at).toEqual(rows[0].removed_at);

      expect(await invoices.findById(ours.id)).toBeNull();
      expect(await invoices.count({ customerEmail: 'soft-ours@example.com' })).toBe(0);
      const removed = await invoices.findById(ours.id, { withDeleted: true });
      expect(removed).toEqual(await typeorm.findOne({ where: { id: ours.id }, withDeleted: true }));
      const deleted = await invoices.paginate({
        filter: { customerEmail: 'soft-ours@example.com' },
        onlyDeleted: true,
      });
      expect(deleted.data.map((i) => i.id)).toEqual([ours.id]);
      await expect(invoices.softDelete(ours.id)).rejects.toBeInstanceOf(EntityNotFoundError);

      const restored = await invoices.restore(ours.id);
      expect(restored).toMatchObject({ id: ours.id, version: 3, removedAt: null });
      expect(await sql('SELECT gone_at FROM invoice_lines WHERE no = $1', [line.lineNo])).toEqual([{ gone_at: null }]);
    });

    it('deletes a row for good', async () => {
      const row = await invoice('hard@example.com');
      await invoices.delete(row.id);
      expect(await sql('SELECT id FROM invoices WHERE id = $1', [row.id])).toEqual([]);
      await expect(invoices.delete(row.id)).rejects.toBeInstanceOf(EntityNotFoundError);
    });
  });

  describe('a relation without a column property, an identity key and a date column', () => {
    it('writes the relation from the related entity or its key, and reads like TypeORM', async () => {
      const parent = await invoice('lines@example.com');
      const a = await lines.create({ invoice: { id: parent.id }, shipOn: '2024-01-31' });
      const [b] = await lines.createMany([{ invoice: parent.id, shipOn: null }]);
      expect(
        await sql('SELECT no, invoice_no, ship_on::text FROM invoice_lines WHERE no = ANY($1) ORDER BY no', [
          [a.lineNo, b.lineNo],
        ]),
      ).toEqual([
        { no: a.lineNo, invoice_no: parent.id, ship_on: '2024-01-31' },
        { no: b.lineNo, invoice_no: parent.id, ship_on: null },
      ]);
      const repository = ds.getRepository(InvoiceLine);
      expect(a).toEqual(await repository.findOneBy({ lineNo: a.lineNo }));
      expect(await lines.findById(b.lineNo)).toEqual(await repository.findOneBy({ lineNo: b.lineNo }));
      expect(a.shipOn).toBe('2024-01-31');
      const page = await lines.paginate({ filter: { invoice: String(parent.id) } });
      expect(page.data.map((l) => l.lineNo).sort()).toEqual([a.lineNo, b.lineNo].sort());
    });
  });

  describe('a uuid key without timestamps, version or soft delete', () => {
    it('creates, reads, lists by key, updates and deletes', async () => {
      const tag = await tags.create({ label: 'Urgent' });
      expect(tag.label).toBe('urgent'); // the column's transformer, as TypeORM applies it
      expect(await tags.findById(tag.id)).toEqual(await ds.getRepository(Tag).findOneBy({ id: tag.id }));
      expect(await tags.findById('not-a-uuid')).toBeNull();
      await tags.createMany([{ label: 'b' }, { label: 'c' }], { returning: false });
      const page = await tags.paginate({ cursor: '', limit: 2 });
      expect(page.meta.sortBy).toEqual([]);
      const expected = await sql('SELECT id FROM tags ORDER BY id LIMIT 2');
      expect(page.data.map((t) => t.id)).toEqual(expected.map((r) => r.id));
      expect((await tags.update(tag.id, { label: 'Later' })).label).toBe('later');
      expect((await tags.update(tag.id, {})).id).toBe(tag.id);
      await tags.delete(tag.id);
      expect(await sql('SELECT id FROM tags WHERE id = $1', [tag.id])).toEqual([]);
    });

    it('says what to add for soft delete and optimistic locking, before any SQL', async () => {
      const tag = await tags.create({ label: 'x' });
      for (const call of [
        () => tags.softDelete(tag.id),
        () => tags.restore(tag.id),
        () => tags.update(tag.id, { label: 'y' }, { expectedVersion: 1 }),
      ]) {
        let error: unknown;
        const statements = await countStatements(ds, () => call().catch((e) => (error = e)));
        expect(error).toBeInstanceOf(UnsupportedEntityError);
        expect(statements).toEqual([]);
      }
      await expect(tags.softDelete(tag.id)).rejects.toThrow(/^Tag: softDelete needs a @DeleteDateColumn\(\)/);
      await expect(tags.update(tag.id, {}, { expectedVersion: 1 })).rejects.toThrow(
        /^Tag: expectedVersion needs a @VersionColumn\(\)/,
      );
      await expect(tags.paginate({ onlyDeleted: true })).rejects.toBeInstanceOf(InvalidQueryError);
      expect(await sql('SELECT label FROM tags WHERE id = $1', [tag.id])).toEqual([{ label: 'x' }]);
    });
  });

  describe('a text key the caller gives, in a schema of its own', () => {
    it('creates with the given key, never reads a select: false column back, and converts simple-json', async () => {
      const sku = await skus.create({
        code: 'SKU-1',
        title: 'Widget',
        priceCents: 250,
        supplierNote: 'confidential',
        dimensions: { w: 2, h: 3 },
      });
      expect(sku).toEqual({ code: 'SKU-1', title: 'Widget', priceCents: 250, dimensions: { w: 2, h: 3 } });
      expect(await sql('SELECT code, supplier_note, dimensions FROM catalog.skus')).toEqual([
        { code: 'SKU-1', supplier_note: 'confidential', dimensions: '{"w":2,"h":3}' },
      ]);
      expect(await skus.findById('SKU-1')).toEqual(await ds.getRepository(Sku).findOneBy({ code: 'SKU-1' }));
      expect(await skus.findById('SKU-2')).toBeNull();
      expect((await skus.update('SKU-1', { priceCents: 300 })).priceCents).toBe(300);
      await skus.createMany([{ code: 'SKU-0', title: 'Bolt', priceCents: 10, dimensions: null }]);
      const page = await skus.paginate({ cursor: '', sortBy: 'priceCents:ASC' });
      expect(page.data.map((s) => s.code)).toEqual(['SKU-0', 'SKU-1']);
      await expect(
        skus.create({ code: 'SKU-1', title: 'Again', priceCents: 1, dimensions: null }),
      ).rejects.toMatchObject({
        name: 'UniqueViolationError',
      });
      await expect(skus.paginate({ filter: { priceCents: '1.5' } })).rejects.toBeInstanceOf(InvalidQueryError);
    });
  });

  it('refuses a composite primary key by name when the service is built', () => {
    const context = moduleRef.get<RepositoryContext>(REPOSITORY_CONTEXT);
    const build = () => new RepositoryService(Pair, ds, context);
    let error: unknown;
    try {
      build();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedEntityError);
    expect(build).toThrow(
      /^Pair: RepositoryService needs a single-column primary key, and this entity's has 2 \(left, right\)/,
    );
  });
});

describe('the audit trail of an integer-keyed user entity', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let ds: DataSource;
  let invoices: RepositoryService<Invoice>;

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(USER_ENTITIES_SCHEMA).finally(() => client.end());
    moduleRef = await userEntitiesModule(db, { audit: { table: 'audit_logs' } });
    ds = moduleRef.get(DataSource);
    invoices = moduleRef.get(getRepositoryServiceToken(Invoice));
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  it('records each write with the key as text and the properties by their names', async () => {
    const created = await runAs('auditor', () =>
      invoices.create({ customerEmail: 'audit@example.com', amountCents: '42' }),
    );
    await runAs('auditor', async () => {
      await invoices.update(created.id, { tax: '0.10' }, { expectedVersion: 1 });
      await invoices.softDelete(created.id);
      await invoices.restore(created.id);
      await invoices.createMany([{ customerEmail: 'audit-bulk@example.com', amountCents: '1' }], { returning: false });
      await invoices.delete(created.id);
    });
    const trail = await ds.query(
      `SELECT entity_type, entity_id, action, old_values, new_values, actor FROM audit_logs
        WHERE entity_type = 'Invoice' AND entity_id = $1 ORDER BY created_at`,
      [String(created.id)],
    );
    expect(trail.map((r: { action: string }) => r.action)).toEqual([
      'create',
      'update',
      'soft_delete',
      'restore',
      'delete',
    ]);
    expect(trail.every((r: { actor: string }) => r.actor === 'auditor')).toBe(true);
    expect(trail[0].new_values).toMatchObject({ id: created.id, customerEmail: 'audit@example.com', version: 1 });
    expect(trail[1]).toMatchObject({ old_values: { tax: 0 }, new_values: { tax: 0.1 } });
    expect(trail[2]).toMatchObject({ old_values: { removedAt: null }, new_values: { removedAt: expect.any(String) } });
    expect(trail[3]).toMatchObject({ old_values: { removedAt: expect.any(String) }, new_values: { removedAt: null } });
    const [bulk] = await ds.query(
      `SELECT a.entity_id, i.version FROM audit_logs a JOIN invoices i ON a.entity_id = i.id::text
        WHERE a.entity_type = 'Invoice' AND i.customer_email = 'audit-bulk@example.com'`,
    );
    expect(bulk).toMatchObject({ version: 1 });
  });
});
