import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { RepositoryFixture, repositoryFixture } from './support/repository-fixture';

const ROWS = 100_000;

/**
 * The memory tests measure what survives a full collection, which only a forced `gc()` gives: without
 * it the heap holds garbage at random, and no limit tells a leak from a lazy collector. `npm test`
 * runs Node with `--expose-gc`; under a bare `npx jest` the flag is switched on here (V8 reads it when
 * a context is created, so a fresh context hands out its `gc`), and the tests run either way.
 */
function forcedGc(): () => void {
  if (global.gc) return global.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const gc = forcedGc();

describe('RepositoryService.stream', () => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture();
    await f.sql(`INSERT INTO tasks (title, priority) SELECT 'row ' || g, g % 11 FROM generate_series(1, ${ROWS}) g`);
  });
  afterAll(() => f?.close());

  it('yields every matching row once, in order', async () => {
    const seen = new Set<string>();
    let previous = -1;
    let ordered = true;
    for await (const task of f.tasks.stream({ sortBy: 'priority:ASC' }, { batchSize: 2_000 })) {
      if (task.priority < previous) ordered = false;
      previous = task.priority;
      seen.add(task.id);
    }
    expect(seen.size).toBe(ROWS);
    expect(ordered).toBe(true);
  });

  it('holds memory bounded while yielding every row', async () => {
    gc();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let peak = 0;
    let previous = -1;
    let ordered = true;
    for await (const task of f.tasks.stream({ sortBy: 'priority:ASC' }, { batchSize: 2_000 })) {
      count++;
      if (task.priority < previous) ordered = false;
      previous = task.priority;
      if (count % 10_000 === 0) {
        gc(); // what is measured is what the stream retains
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(count).toBe(ROWS);
    expect(ordered).toBe(true);
    // 100k hydrated tasks held at once would take well over 60 MB; a 2,000-row window is a few MB.
    expect(peak).toBeLessThan(60 * 1024 * 1024);
  });

  it('lets go of each row of a batch once it is handed out', async () => {
    // One batch of every row: what is retained after 90% of it is consumed is the unconsumed 10%,
    // not the whole batch (rows the batch keeps survive young collections and get promoted).
    gc();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let retained = Number.POSITIVE_INFINITY;
    for await (const task of f.tasks.stream({}, { batchSize: ROWS })) {
      if (task && ++count === ROWS * 0.9) {
        gc();
        retained = process.memoryUsage().heapUsed - before;
      }
    }
    expect(count).toBe(ROWS);
    expect(retained).toBeLessThan(25 * 1024 * 1024);
  });

  it('applies filters, and stopping early closes the cursor and returns the connection', async () => {
    let seen = 0;
    for await (const task of f.tasks.stream({ filter: { priority: '$eq:3' } }, { batchSize: 100 })) {
      expect(task.priority).toBe(3);
      if (++seen === 250) break;
    }
    const pool = (f.dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
    expect(pool.totalCount).toBe(pool.idleCount);
    const open = await f.sql(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    expect(open[0].n).toBe(0);
    const [{ n }] = await f.sql('SELECT count(*)::int AS n FROM tasks WHERE priority = 3');
    expect(n).toBeGreaterThan(250);
  });
});
