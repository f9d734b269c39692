import fc from 'fast-check';
import { types } from 'pg';
import { fastTimestampParsers, fastTimestampTypes } from './fast-timestamps';

const stock = types.getTypeParser(types.builtins.TIMESTAMPTZ, 'text') as (text: string) => unknown;
const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? Object.is(a.getTime(), b.getTime()) : Object.is(a, b);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('fastTimestampTypes', () => {
  it('parses every timestamp PostgreSQL writes as pg does', () => {
    const text = fc
      .tuple(
        fc.integer({ min: 1, max: 12_000 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        fc.option(fc.stringMatching(/^[0-9]{1,6}$/)),
        fc.option(
          fc.tuple(
            fc.constantFrom('+', '-'),
            fc.integer({ min: 0, max: 15 }),
            fc.option(fc.integer({ min: 0, max: 59 })),
          ),
        ),
        fc.boolean(),
      )
      .map(([y, mo, d, h, mi, s, fraction, zone, bc]) => {
        const offset = zone ? `${zone[0]}${pad(zone[1], 2)}${zone[2] === null ? '' : `:${pad(zone[2], 2)}`}` : '';
        const time = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)} ${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
        return `${time}${fraction === null ? '' : `.${fraction}`}${offset}${bc ? ' BC' : ''}`;
      });
    fc.assert(
      fc.property(text, (t) => {
        expect(same(fastTimestampParsers.timestamptz(t), stock(t))).toBe(true);
        expect(same(fastTimestampParsers.timestamp(t), stock(t))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    '2024-02-29 23:59:59.999999+00',
    '2000-02-29 00:00:00+00',
    '1900-02-28 12:00:00-05',
    '1900-03-01 00:00:00.5+05:30',
    '1000-01-01 00:00:00+14',
    '9999-12-31 23:59:59.999999-12',
    '1970-01-01 00:00:00+00',
    '1969-12-31 23:59:59.999-00:30',
  ])('reads %s as the same instant as the stock parser (calendar edges)', (t) => {
    expect(fastTimestampParsers.timestamptz(t)).toEqual(stock(t));
    expect(same(fastTimestampParsers.timestamptz(t), stock(t))).toBe(true);
  });

  it.each([
    'infinity',
    '-infinity',
    '2026-12-02 05:16:45+05:30:15',
    '2026-12-02',
    'garbage',
    '2026-12-02 05:16:45.1234567+00',
  ])('leaves %s to the stock parser', (t) => {
    expect(same(fastTimestampParsers.timestamptz(t), stock(t))).toBe(true);
  });

  it('answers pg parsers for other types, and an app-set timestamp parser as it is', () => {
    expect(fastTimestampTypes.getTypeParser(types.builtins.INT4, 'text')).toBe(
      types.getTypeParser(types.builtins.INT4, 'text'),
    );
    expect(fastTimestampTypes.getTypeParser(types.builtins.TIMESTAMPTZ, 'text')).toBe(fastTimestampParsers.timestamptz);
    const own = (text: string) => text;
    types.setTypeParser(types.builtins.TIMESTAMPTZ, own);
    try {
      expect(fastTimestampTypes.getTypeParser(types.builtins.TIMESTAMPTZ, 'text')).toBe(own);
    } finally {
      types.setTypeParser(types.builtins.TIMESTAMPTZ, stock);
    }
  });
});
