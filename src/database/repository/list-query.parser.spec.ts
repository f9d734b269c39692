import { InvalidQueryError } from '../errors/invalid-query.error';
import { CursorCodec } from './cursor.codec';
import { ColumnInfo } from './entity-columns';
import { listQueryFromHttp, ListQueryContext, parseListQuery } from './list-query.parser';
import { EQUALITY_OPERATORS, QueryableOptions } from './queryable.decorator';

const column = (property: string, kind: ColumnInfo['kind'], nullable = false): ColumnInfo =>
  ({ property, sql: `"${property}"`, kind, nullable, metadata: {} }) as unknown as ColumnInfo;

const context = (secret = 'k'.repeat(32)): ListQueryContext => ({
  columns: new Map([
    ['id', column('id', 'uuid')],
    ['name', column('name', 'text')],
    ['nickname', column('nickname', 'text', true)],
  ]),
  allow: new Map<string, QueryableOptions>([
    ['id', { sortable: true, filter: EQUALITY_OPERATORS }],
    ['name', { sortable: true, filter: ['$eq', '$ilike'] }],
    ['nickname', { sortable: true }],
  ]),
  defaultSort: [['name', 'ASC']],
  cursors: new CursorCodec(secret),
  key: 'id',
  softDeletable: true,
});

describe('listQueryFromHttp', () => {
  it('splits filter.<field> parameters and keeps the grammar parameters', () => {
    expect(
      listQueryFromHttp({ limit: '5', 'filter.name': ['$eq:a', '$ilike:b'], sortBy: 'name:DESC', cursor: '' }),
    ).toEqual({
      limit: '5',
      cursor: '',
      sortBy: 'name:DESC',
      filter: { name: ['$eq:a', '$ilike:b'] },
    });
  });

  it.each([['__proto__'], ['constructor'], ['filter.'], ['LIMIT'], ['select']])(
    'rejects the unknown parameter %s by name',
    (key) => {
      const error = (() => {
        try {
          listQueryFromHttp({ [key]: 'x' });
        } catch (e) {
          return e as InvalidQueryError;
        }
      })();
      expect(error).toBeInstanceOf(InvalidQueryError);
      expect(error!.parameter).toBe(key);
    },
  );

  it('rejects nested objects as values', () => {
    expect(() => listQueryFromHttp({ limit: { $gt: '1' } })).toThrow(InvalidQueryError);
  });
});

describe('parseListQuery', () => {
  it('names a bracketed operator key such as filter.status[$ne] as an unknown filter', () => {
    const input = listQueryFromHttp({ 'filter.status[$ne]': 'x' });
    expect(() => parseListQuery(input, context())).toThrow('filter.status[$ne]: this field cannot be filtered');
  });

  it('adds the id tie-breaker in the last sort direction', () => {
    expect(parseListQuery({ sortBy: 'name:DESC' }, context()).sort).toEqual([
      ['name', 'DESC'],
      ['id', 'DESC'],
    ]);
  });

  it("breaks ties on the entity's own primary key, whatever its name", () => {
    const ctx = { ...context(), key: 'code', defaultSort: [] };
    ctx.columns.set('code', column('code', 'text'));
    expect(parseListQuery({ sortBy: 'name:DESC' }, ctx).sort).toEqual([
      ['name', 'DESC'],
      ['code', 'DESC'],
    ]);
    expect(parseListQuery({}, ctx).sort).toEqual([['code', 'ASC']]);
  });

  it('refuses onlyDeleted on an entity that is never soft-deleted, and ignores withDeleted there', () => {
    const ctx = { ...context(), softDeletable: false };
    expect(() => parseListQuery({ onlyDeleted: 'true' }, ctx)).toThrow(
      'onlyDeleted: these rows are never soft-deleted',
    );
    expect(parseListQuery({ withDeleted: 'true' }, ctx).withDeleted).toBe(true);
  });

  // Regression (issue 20, found by the OpenAPI property test): page 1000000000 was refused by a
  // 9-digit check while the message said "from 1 to 1000000000".
  it('takes page from 1 to 1000000000, as its message says', () => {
    expect(parseListQuery({ page: '1000000000' }, context()).page).toBe(1_000_000_000);
    for (const page of ['0', '1000000001', '01000000000', '-1']) {
      expect(() => parseListQuery({ page }, context())).toThrow('page: must be an integer from 1 to 1000000000');
    }
  });

  it('bounds the values of operators other than $eq at 1000 characters, and says so', () => {
    expect(parseListQuery({ filter: { name: `$eq:${'a'.repeat(5_000)}` } }, context()).filters).toHaveLength(1);
    expect(parseListQuery({ filter: { name: `$ilike:${'a'.repeat(1_000)}` } }, context()).filters).toHaveLength(1);
    expect(() => parseListQuery({ filter: { name: `$ilike:${'a'.repeat(1_001)}` } }, context())).toThrow(
      'filter.name: values of $ilike must be at most 1000 characters',
    );
  });

  it('refuses cursor pages ordered by a column that can be empty, but allows offset pages', () => {
    expect(() => parseListQuery({ cursor: '', sortBy: 'nickname:ASC' }, context())).toThrow(/nickname can be empty/);
    expect(parseListQuery({ sortBy: 'nickname:ASC' }, context()).mode).toBe('offset');
  });

  it('accepts a cursor it issued for the same query, and refuses one signed with another secret', () => {
    const ctx = context();
    const first = parseListQuery({ cursor: '', sortBy: 'name:ASC' }, ctx);
    const token = ctx.cursors.encode({ keys: ['a', '00000000-0000-4000-8000-000000000000'], query: first.signature });
    expect(parseListQuery({ cursor: token, sortBy: 'name:ASC' }, ctx).after).toEqual([
      'a',
      '00000000-0000-4000-8000-000000000000',
    ]);
    expect(() => parseListQuery({ cursor: token, sortBy: 'name:ASC' }, context('z'.repeat(32)))).toThrow(
      /not a cursor/,
    );
  });

  it.each([
    ['score', '32768'],
    ['score', '-32769'],
    ['score', '1.5'],
    ['at', '2020-02-30'],
    ['at', '2021-02-29T00:00:00Z'],
    ['at', '0000-01-01'],
    ['at', '2020-01-01T24:00:00Z'],
    ['at', '2020-01-01T00:00:00+16:00'],
    ['at', '2020-01-01T00:00:00+14:60'],
  ])('refuses filter.%s=%s, a value PostgreSQL would refuse for the column', (field, value) => {
    const ctx = context();
    ctx.columns.set('score', { ...column('score', 'integer'), bounds: [-32768n, 32767n] });
    ctx.columns.set('at', column('at', 'time'));
    ctx.allow.set('score', { filter: ['$eq'] }).set('at', { filter: ['$eq'] });
    expect(() => parseListQuery({ filter: { [field]: value } }, ctx)).toThrow(`filter.${field}: values must be`);
  });

  it('keeps $ilike text verbatim for the SQL layer to escape, and rejects NUL', () => {
    expect(parseListQuery({ filter: { name: '$ilike:50%_x' } }, context()).filters[0].values).toEqual(['50%_x']);
    expect(() => parseListQuery({ filter: { name: '$ilike:a\u0000' } }, context())).toThrow(/filter.name/);
  });
});
