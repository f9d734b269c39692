import { StatementTimings } from './statement-timings';

describe('StatementTimings', () => {
  const run = (timings: StatementTimings, durationMs: number, sqlState?: string) =>
    timings.onStatement(undefined, 'SELECT 1', undefined, durationMs, sqlState);

  it('reports zeros and a success rate of 1 before any statement', () => {
    expect(new StatementTimings(1000).snapshot()).toEqual({
      total: 0,
      failed: 0,
      successRate: 1,
      avgMs: 0,
      p99Ms: 0,
      maxMs: 0,
      slow: 0,
      connectionErrors: 0,
    });
  });

  it('counts, averages, and takes p99 from the histogram: at least the true value, at most 9% over it', () => {
    const timings = new StatementTimings(100);
    for (let i = 1; i <= 1000; i++) run(timings, i); // p99 of 1..1000 ms is 990 ms
    run(timings, 5000, '22012');
    run(timings, 3, 'client');
    run(timings, 3, '08006');
    run(timings, 3, '57P01');
    const stats = timings.snapshot();
    expect(stats).toMatchObject({ total: 1004, failed: 4, maxMs: 5000, connectionErrors: 3 });
    expect(stats.successRate).toBe(1000 / 1004);
    expect(stats.avgMs).toBeCloseTo((500_500 + 5009) / 1004, 6);
    // rank ceil(0.99 * 1004) = 994: the 991 ms statement (the three extra 3 ms ones come before it)
    expect(stats.p99Ms).toBeGreaterThanOrEqual(991);
    expect(stats.p99Ms).toBeLessThanOrEqual(991 * 1.0906);
    // successful statements over the threshold only: 101..1000 ms
    expect(stats.slow).toBe(900);
  });

  it('p99 of fewer than 100 statements is the longest one, exactly', () => {
    const timings = new StatementTimings(0);
    [0.2, 1.5, 7, 301.7].forEach((ms) => run(timings, ms));
    expect(timings.snapshot()).toMatchObject({ p99Ms: 301.7, maxMs: 301.7, slow: 0 });
  });

  it('forwards every statement to the next observer unchanged', () => {
    const timings = new StatementTimings(undefined);
    const seen: unknown[][] = [];
    timings.next = { onStatement: (...args) => void seen.push(args) };
    timings.onStatement('users:findById', 'SELECT …', 'users', 2.5, undefined);
    timings.onStatement(undefined, 'SELECT 1/0', undefined, 1, '22012');
    expect(seen).toEqual([
      ['users:findById', 'SELECT …', 'users', 2.5, undefined],
      [undefined, 'SELECT 1/0', undefined, 1, '22012'],
    ]);
  });
});
