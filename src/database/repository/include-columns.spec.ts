import fc from 'fast-check';
import { fromIso } from './include-columns';

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
