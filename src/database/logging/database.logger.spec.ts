import { Logger } from '@nestjs/common';
import { buildDataSourceOptions } from '../database.options';
import { DatabaseLogger, describeParameters, isExpectedFailure } from './database.logger';

describe('DatabaseLogger', () => {
  let lines: string[];
  let levels: string[];
  beforeEach(() => {
    lines = [];
    levels = [];
    for (const level of ['warn', 'error', 'log', 'debug'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...[message]: unknown[]) => {
        lines.push(String(message));
        levels.push(level);
      });
    }
  });
  afterEach(() => jest.restoreAllMocks());

  const secretError = Object.assign(new Error('invalid input syntax for type uuid: "tok_SECRET"'), { code: '22P02' });

  it('logs a slow query at warn with its duration and statement, parameters redacted by default', () => {
    new DatabaseLogger({ logQueries: false }).logQuerySlow(1234, 'SELECT *\n  FROM users WHERE token = $1', [
      'tok_SECRET',
    ]);
    expect(lines).toEqual(['slow query (1234 ms): SELECT * FROM users WHERE token = $1 [1 parameter(s) redacted]']);
  });

  it('logs a failed query with its SQLSTATE and keeps values quoted in data exceptions out', () => {
    new DatabaseLogger({ logQueries: false }).logQueryError(secretError, 'SELECT $1::uuid', ['tok_SECRET']);
    expect(levels).toEqual(['debug']);
    expect(lines[0]).toBe(
      'query failed (SQLSTATE 22P02): invalid input syntax for type uuid: "<redacted>" -- SELECT $1::uuid [1 parameter(s) redacted]',
    );
  });

  it('keeps identifiers in other failures (they name constraints and tables, not values)', () => {
    const error = Object.assign(new Error('relation "missing" does not exist'), { code: '42P01' });
    new DatabaseLogger({ logQueries: false }).logQueryError(error, 'SELECT 1 FROM missing');
    expect(lines[0]).toBe('query failed (SQLSTATE 42P01): relation "missing" does not exist -- SELECT 1 FROM missing');
  });

  it('logs failures the caller caused or that are retried at debug, server-side ones at error', () => {
    const logger = new DatabaseLogger({ logQueries: false });
    const fail = (code: string | undefined) =>
      logger.logQueryError(Object.assign(new Error(`failure ${code}`), { code }), 'SELECT 1');
    const expected = ['23505', '23503', '23502', '23514', '22001', '22P02', '40001', '40P01'];
    const faults = ['42P01', '42601', '57014', '57P01', '53300', '25006', '23P01', 'XX000', undefined];
    [...expected, ...faults].forEach(fail);
    expect(levels).toEqual([...expected.map(() => 'debug'), ...faults.map(() => 'error')]);
    expect(isExpectedFailure('23505')).toBe(true);
    expect(isExpectedFailure('unknown')).toBe(false);
  });

  it('is what buildDataSourceOptions installs, with DB_LOG_PARAMETERS', () => {
    const env = { DATABASE_URL: 'postgres://u:p@db:5432/app', DB_SLOW_QUERY_MS: '250' };
    const redacting = buildDataSourceOptions(env);
    const showing = buildDataSourceOptions({ ...env, DB_LOG_PARAMETERS: 'true' });
    expect(redacting.maxQueryExecutionTime).toBe(250);
    (redacting.logger as DatabaseLogger).logQuerySlow(300, 'SELECT $1', ['v']);
    (showing.logger as DatabaseLogger).logQuerySlow(300, 'SELECT $1', ['v']);
    expect(lines).toEqual([
      'slow query (300 ms): SELECT $1 [1 parameter(s) redacted]',
      'slow query (300 ms): SELECT $1 [$1="v"]',
    ]);
  });

  it('shows parameters only with logParameters (DB_LOG_PARAMETERS=true)', () => {
    const logger = new DatabaseLogger({ logQueries: true, logParameters: true });
    logger.logQuerySlow(5, 'SELECT $1, $2', ['a', 42]);
    logger.logQueryError(secretError, 'SELECT $1::uuid', ['tok_SECRET']);
    expect(lines[0]).toBe('slow query (5 ms): SELECT $1, $2 [$1="a", $2=42]');
    expect(lines[1]).toContain('"tok_SECRET"');
  });
});

describe('describeParameters', () => {
  it('redacts by default and says how many', () => {
    expect(describeParameters(['a', 'b'], false)).toBe(' [2 parameter(s) redacted]');
    expect(describeParameters([], false)).toBe('');
    expect(describeParameters(undefined, true)).toBe('');
  });

  it('prints any value without throwing, bounded in length and count', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const shown = describeParameters(
      [null, 10n, new Date(0), Buffer.from('abc'), circular, 'x'.repeat(500), { a: [1] }],
      true,
    );
    expect(shown).toContain('$1=null, $2=10, $3=1970-01-01T00:00:00.000Z, $4=<3 bytes>, $5=<unprintable>');
    expect(shown).toContain(`$6="${'x'.repeat(199)}…`);
    expect(shown).toContain('$7={"a":[1]}');
    expect(
      describeParameters(
        Array.from({ length: 25 }, (_, i) => i),
        true,
      ),
    ).toMatch(/\$20=19, … 5 more\]$/);
  });
});
