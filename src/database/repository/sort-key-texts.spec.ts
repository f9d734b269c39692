import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { ColumnInfo, ValueKind } from './entity-columns';
import type { ParsedListQuery } from './list-query';
import { keyPositions } from './list-sql';
import { SortKeyTexts } from './sort-key-texts';

const column = (property: string, kind: ValueKind, type: string, nullable = false): ColumnInfo => ({
  property,
  sql: `"${property}"`,
  kind,
  nullable,
  select: true,
  relationOnly: false,
  metadata: { type } as unknown as ColumnMetadata,
});

const COLUMNS = new Map(
  [
    column('id', 'uuid', 'uuid'),
    column('title', 'text', 'varchar'),
    column('code', 'text', 'char'),
    column('createdAt', 'time', 'timestamptz'),
    column('done', 'boolean', 'boolean'),
    column('dueAt', 'time', 'timestamptz', true),
    column('priority', 'integer', 'smallint'),
  ].map((c) => [c.property, c]),
);
const HYDRATED = ['id', 'title', 'code', 'createdAt', 'done', 'dueAt', 'priority'];
const cursorSortedBy = (...keys: string[]) =>
  ({ mode: 'cursor', sort: keys.map((k) => [k, 'DESC']) }) as unknown as ParsedListQuery;

describe('keyPositions', () => {
  it('reads the keys from the columns when each is NOT NULL, selected, and sent as its ::text', () => {
    expect(keyPositions(cursorSortedBy('createdAt', 'id'), HYDRATED, COLUMNS)).toEqual([3, 0]);
    expect(keyPositions(cursorSortedBy('priority', 'title', 'id'), HYDRATED, COLUMNS)).toEqual([6, 1, 0]);
  });

  it('selects them as ::text otherwise: nullable, boolean (t against true), char(n), not selected, offset pages', () => {
    expect(keyPositions(cursorSortedBy('dueAt', 'id'), HYDRATED, COLUMNS)).toBeUndefined();
    expect(keyPositions(cursorSortedBy('done', 'id'), HYDRATED, COLUMNS)).toBeUndefined();
    expect(keyPositions(cursorSortedBy('code', 'id'), HYDRATED, COLUMNS)).toBeUndefined();
    expect(keyPositions(cursorSortedBy('priority', 'id'), ['id', 'title'], COLUMNS)).toBeUndefined();
    const offset = { ...cursorSortedBy('createdAt', 'id'), mode: 'offset' } as ParsedListQuery;
    expect(keyPositions(offset, HYDRATED, COLUMNS)).toBeUndefined();
  });
});

/** Feeds rows through `parsers` as pg does: each column's parser asked once, then every row's values. */
function readRows(parsers: ReturnType<SortKeyTexts['parsers']>, oids: number[], rows: string[][]): unknown[][] {
  const base = (text: string) => `parsed ${text}`;
  const forColumn = parsers();
  const each = oids.map((oid) => forColumn(oid, base) ?? base);
  return rows.map((row) => row.map((text, i) => each[i](text)));
}

describe('SortKeyTexts', () => {
  const rows = [
    ['a', '2031-01-01 00:00:00.000101+00', 'x'],
    ['b', '2031-01-01 00:00:00.000102+00', 'y'],
    ['c', '2031-01-01 00:00:00.000103+00', 'z'],
  ];

  it("gives the last row's texts, or the one before when a probe row followed it, and parses as before", () => {
    const texts = new SortKeyTexts([1, 0]);
    const read = readRows(texts.parsers(), [2950, 1184, 25], rows);
    expect(read[2]).toEqual(['parsed c', 'parsed 2031-01-01 00:00:00.000103+00', 'parsed z']);
    expect(texts.keys(false)).toEqual(['2031-01-01 00:00:00.000103+00', 'c']);
    expect(texts.keys(true)).toEqual(['2031-01-01 00:00:00.000102+00', 'b']);
  });

  it('leaves the other parsers their columns, counted as pg asks for them', () => {
    const asked: number[] = [];
    const others = () => {
      let column = 0;
      return (oid: number) => {
        asked.push(column);
        return column++ === 2 ? (text: string) => `json ${text} (${oid})` : undefined;
      };
    };
    const texts = new SortKeyTexts([0]);
    const read = readRows(texts.parsers(others), [2950, 1184, 114], rows);
    expect(asked).toEqual([0, 1, 2]);
    expect(read[0]).toEqual(['parsed a', 'parsed 2031-01-01 00:00:00.000101+00', 'json x (114)']);
    expect(texts.keys(false)).toEqual(['c']);
  });
});
