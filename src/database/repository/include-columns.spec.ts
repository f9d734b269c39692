import fc from 'fast-check';
import { fromIso, rowReader } from './include-columns';

const pad = (value: number, width: number) => String(Math.abs(value)).padStart(width, '0');

/** A timestamp as PostgreSQL's JSON writes it: 0 to 6 fraction digits, an offset or (timestamp without time zone) none. */
const isoText = fc
  .record({
    year: fc.integer({ min: 100, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.stringMatching(/^\d{0,6}$/),
    offset: fc.option(fc.integer({ min: -15 * 60 - 59, max: 15 * 60 + 59 }), { nil: undefined }),
  })
  .map(({ year, month, day, hour, minute, second, fraction, offset }) => {
    const zone =
      offset === undefined ? '' : `${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60), 2)}:${pad(offset % 60, 2)}`;
    return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction ? `.${fraction}` : ''}${zone}`;
  });

describe('fromIso (timestamps of included rows)', () => {
  it('reads what Date reads, field by field, for every form PostgreSQL writes', () => {
    fc.assert(
      fc.property(isoText, (text) => {
        expect([text, (fromIso(text) as Date).getTime()]).toEqual([text, new Date(text).getTime()]);
      }),
      { numRuns: 2_000 },
    );
  });

  it('falls back for infinity, BC and years before 100', () => {
    expect(fromIso('infinity')).toBe(Infinity);
    expect(fromIso('-infinity')).toBe(-Infinity);
    expect((fromIso('0044-03-15T00:00:00+00:00 BC') as Date).getTime()).toBe(Date.UTC(-43, 2, 15));
    expect((fromIso('0099-01-01T00:00:00+00:00') as Date).toISOString()).toBe('0099-01-01T00:00:00.000Z');
  });
});

describe('rowReader (included rows as entities)', () => {
  class Thing {
    describe() {
      return 'a thing';
    }
  }
  const read = rowReader(Thing.prototype, [
    { property: 'plain', sql: (a) => `${a}.plain` },
    { property: 'at', sql: (a) => `${a}.at`, parse: fromIso },
    { property: 'big', sql: (a) => `${a}.big::text`, parse: (t) => `parsed ${t}`, from: (v) => `from(${String(v)})` },
    { property: 'upper', sql: (a) => `${a}.upper`, from: (v) => (v === null ? null : String(v).toUpperCase()) },
  ]);

  it('builds an instance of the class, each field read as declared, in order', () => {
    const thing = read(['x', '2026-01-02T03:04:05.123456+00:00', '7', 'abc']);
    expect(thing).toBeInstanceOf(Thing);
    expect((thing as unknown as Thing).describe()).toBe('a thing');
    expect(Object.keys(thing)).toEqual(['plain', 'at', 'big', 'upper']);
    expect(thing).toEqual({
      plain: 'x',
      at: new Date('2026-01-02T03:04:05.123Z'),
      big: 'from(parsed 7)',
      upper: 'ABC',
    });
  });

  it("never parses a null, but still hands it to TypeORM's from (as its own hydration does)", () => {
    expect(read([null, null, null, null])).toEqual({ plain: null, at: null, big: 'from(null)', upper: null });
  });
});
