import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { StatementHistogram, StatementSeriesLabels } from './statement-histogram';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HELP = 'Duration of statements';

/** The same observations into prom-client's Histogram and ours, each on a registry of its own. */
function both(observations: Array<[StatementSeriesLabels, number]>) {
  const theirs = new Registry();
  const ours = new Registry();
  const histogram = new Histogram({
    name: 'db_query_duration_seconds',
    help: HELP,
    labelNames: ['operation', 'entity', 'outcome'],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const statements = new StatementHistogram('db_query_duration_seconds', HELP, BUCKETS, [ours]);
  for (const [labels, seconds] of observations) {
    histogram.observe({ ...labels }, seconds);
    statements.observe(statements.seriesOf(labels), seconds);
  }
  return { theirs, ours, statements };
}

const labels = fc.record({
  operation: fc.constantFrom('findById', 'insert', 'select', 'list'),
  entity: fc.constantFrom('users', 'tasks', '', 'a"b\\c'),
  outcome: fc.constantFrom<'ok' | 'error'>('ok', 'error'),
});
// Durations around and on the bucket bounds, and beyond the last one.
const seconds = fc.oneof(
  fc.double({ min: 0, max: 40, noNaN: true }),
  fc.constantFrom(0, ...BUCKETS, 1e-9, 31),
  fc.integer({ min: 0, max: 5_000 }).map((ms) => ms / 1000),
);

describe('StatementHistogram', () => {
  it("exports exactly what prom-client's Histogram exports for the same observations (text and JSON)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(labels, seconds), { maxLength: 60 }), async (observations) => {
        const { theirs, ours } = both(observations);
        expect(await ours.metrics()).toBe(await theirs.metrics());
        expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
      }),
      { numRuns: 300 },
    );
  });

  it('merges into another registry as the app does for /metrics', async () => {
    const observations: Array<[StatementSeriesLabels, number]> = [
      [{ operation: 'findById', entity: 'users', outcome: 'ok' }, 0.0004],
      [{ operation: 'findById', entity: 'users', outcome: 'ok' }, 0.2],
      [{ operation: 'select', entity: '', outcome: 'error' }, 0.003],
    ];
    const { theirs, ours } = both(observations);
    const merged = (r: Registry) => Registry.merge([new Registry(), r]).metrics();
    expect(await merged(ours)).toBe(await merged(theirs));
    expect(await ours.metrics()).toContain(
      'db_query_duration_seconds_bucket{le="+Inf",operation="findById",entity="users",outcome="ok"} 2',
    );
  });

  it('forgets observations on reset, as prom-client does, and keeps the series callers hold usable', async () => {
    const { theirs, ours, statements } = both([[{ operation: 'findById', entity: 'users', outcome: 'ok' }, 0.01]]);
    const series = statements.seriesOf({ operation: 'findById', entity: 'users', outcome: 'ok' });
    theirs.resetMetrics();
    ours.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).not.toContain('_bucket');
    statements.observe(series, 0.02);
    expect(await ours.metrics()).toContain(
      'db_query_duration_seconds_count{operation="findById",entity="users",outcome="ok"} 1',
    );
  });

  it('refuses a second metric of the same name on a registry, as prom-client does', () => {
    const registry = new Registry();
    new StatementHistogram('db_query_duration_seconds', HELP, BUCKETS, [registry]);
    expect(() => new Histogram({ name: 'db_query_duration_seconds', help: HELP, registers: [registry] })).toThrow(
      /already been registered/,
    );
  });
});
