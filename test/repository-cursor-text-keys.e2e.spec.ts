import { Test, TestingModule } from '@nestjs/testing';
import { Column, DataSource, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import {
  buildDatabaseModuleOptions,
  DatabaseModule,
  getRepositoryServiceToken,
  Includable,
  InvalidQueryError,
  ListQueryInput,
  Queryable,
  RepositoryService,
} from '../src/database';
import { countStatements } from './support/repository-fixture';
import { createTestDatabase, TestDatabase } from './support/test-database';

/*
 * Cursor pages whose sort keys cannot be read from the row's own columns as the server sent them
 * (`keyPositions` in list-sql.ts) select them again as `column::text AS "__key<i>"`: a boolean (sent
 * as `t`, cast as `true`), a `char(n)` (sent padded, cast trimmed), a `select: false` column (not in
 * the row at all). Each walk is checked against the database's own ORDER BY. Read from the row, a
 * boolean's `t` and a char(n)'s padded text still bind back to the same values (the walk stays right):
 * for those the statement's `::text` column is what shows the fallback; a `select: false` key has no
 * text in the row, and its walk breaks without it. A nullable key cannot order cursor pages at all.
 */

@Entity({ name: 'boards' })
class Board {
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar' })
  name: string;
}

@Entity({ name: 'tickets' })
class Ticket {
  @Queryable({ sortable: true })
  @PrimaryColumn({ type: 'int' })
  id: number;

  @Queryable({ sortable: true })
  @Column({ type: 'boolean' })
  done: boolean;

  @Queryable({ sortable: true })
  @Column({ type: 'character', length: 3 })
  code: string;

  /** Never read back into entities: its keys can only come from a `::text` column. */
  @Queryable({ sortable: true })
  @Column({ type: 'int', select: false })
  rank?: number;

  @Queryable({ sortable: true })
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true })
  dueAt: Date | null;

  @Includable()
  @ManyToOne(() => Board, { nullable: false })
  @JoinColumn({ name: 'board_id' })
  board?: Board;
}

const ROWS = 47;
const CODES = ['a', 'ab', 'abc', 'b', 'b c'];
const SCHEMA = `
  CREATE TABLE boards (id int PRIMARY KEY, name varchar NOT NULL);
  INSERT INTO boards VALUES (1, 'one'), (2, 'two');
  CREATE TABLE tickets (
    id int PRIMARY KEY,
    done boolean NOT NULL,
    code character(3) NOT NULL,
    rank int NOT NULL,
    due_at timestamptz,
    board_id int NOT NULL REFERENCES boards (id)
  )`;
/** Ids in no order of any sort key; few distinct values in each: ties cross every page boundary. */
const ROWS_SQL = `
  INSERT INTO tickets
  SELECT i, (i * 7) % 3 = 0, ($1::text[])[1 + (i * 11) % 5], (i * 13) % 4,
         CASE WHEN i % 4 = 0 THEN NULL ELSE timestamptz '2030-01-01Z' + (i % 6) * interval '1 day' END,
         1 + i % 2
    FROM generate_series(1, ${ROWS}) i`;

describe('RepositoryService cursor pages whose sort keys are selected again as ::text', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let ds: DataSource;
  let tickets: RepositoryService<Ticket>;

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot({
          ...buildDatabaseModuleOptions(db.env),
          entities: [Board, Ticket],
          migrations: [],
          synchronize: false,
        }),
        DatabaseModule.forFeature([Ticket]),
      ],
    }).compile();
    await moduleRef.init();
    ds = moduleRef.get(DataSource);
    await ds.query(SCHEMA);
    await ds.query(ROWS_SQL, [CODES]);
    tickets = moduleRef.get(getRepositoryServiceToken(Ticket));
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  const sqlIds = async (order: string): Promise<number[]> =>
    (await ds.query(`SELECT id FROM tickets ORDER BY ${order}`)).map((r: { id: number }) => r.id);

  /** Follows `links.next` from the first keyset page to the end, keeping every page's statement. */
  async function walk(query: ListQueryInput) {
    const pages: Array<Awaited<ReturnType<typeof tickets.paginate>>> = [];
    const statements = await countStatements(ds, async () => {
      let cursor = '';
      for (let i = 0; i < 50; i++) {
        const page = await tickets.paginate({ ...query, cursor });
        pages.push(page);
        if (!page.links.next) break;
        cursor = new URL(`http://x${page.links.next}`).searchParams.get('cursor')!;
      }
    });
    return { pages, statements, ids: pages.flatMap((p) => p.data.map((t) => t.id)) };
  }

  it.each([
    ['done:ASC', 'done ASC, id ASC'],
    [['done:DESC', 'code:ASC'], 'done DESC, code ASC, id ASC'],
    ['code:DESC', 'code DESC, id DESC'],
    [['code:ASC', 'done:ASC'], 'code ASC, done ASC, id ASC'],
    ['rank:DESC', 'rank DESC, id DESC'],
    [['rank:ASC', 'done:DESC', 'code:DESC'], 'rank ASC, done DESC, code DESC, id DESC'],
  ])('%j walks every row once, in the order of ORDER BY %s, its keys selected as ::text', async (sortBy, order) => {
    const expected = await sqlIds(order);
    for (const include of [undefined, 'board']) {
      const { pages, statements, ids } = await walk({ limit: 7, sortBy, include });
      expect(ids).toEqual(expected);
      expect(pages.length).toBe(Math.ceil(ROWS / 7));
      expect(statements).toHaveLength(pages.length);
      expect(statements.every((s) => s.includes('::text AS "__key0"'))).toBe(true);
      if (include) {
        const boards = pages.flatMap((p) => p.data.map((t) => [t.id, t.board!.id]));
        expect(boards).toEqual(expected.map((id) => [id, 1 + (id % 2)]));
      }
    }
  });

  it('hands out entities with their own fields: no key column, no select: false column', async () => {
    const page = await tickets.paginate({ cursor: '', limit: 3, sortBy: ['rank:ASC', 'code:DESC'] });
    const [row] = await ds.query('SELECT id, done, code, due_at FROM tickets WHERE id = $1', [page.data[0].id]);
    expect(page.data[0]).toBeInstanceOf(Ticket);
    expect({ ...page.data[0] }).toEqual({ id: row.id, done: row.done, code: row.code, dueAt: row.due_at });
    expect(page.data[0].code).toHaveLength(3);
  });

  it('reads the keys of a non-null id sort from the row itself (no ::text)', async () => {
    const { ids, statements } = await walk({ limit: 7, sortBy: 'id:DESC' });
    expect(ids).toEqual(await sqlIds('id DESC'));
    expect(statements.some((s) => s.includes('::text'))).toBe(false);
  });

  it('refuses a cursor sorted by a nullable column (its NULLs cannot be a key), and offset pages order them as ORDER BY does', async () => {
    const refused = await tickets.paginate({ cursor: '', sortBy: 'dueAt:ASC' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidQueryError);
    expect(refused).toMatchObject({ parameter: 'sortBy' });
    for (const [sortBy, order] of [
      ['dueAt:ASC', 'due_at ASC, id ASC'],
      ['dueAt:DESC', 'due_at DESC, id DESC'],
    ]) {
      const ids: number[] = [];
      for (let page = 1; page <= Math.ceil(ROWS / 7); page++) {
        ids.push(...(await tickets.paginate({ page, limit: 7, sortBy })).data.map((t) => t.id));
      }
      expect(ids).toEqual(await sqlIds(order));
    }
  });
});
