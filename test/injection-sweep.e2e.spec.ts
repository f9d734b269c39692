import { http, startApiApp } from './support/api';
import { HOSTILE_STRINGS } from './support/hostile-input';
import { runSweep } from './support/hostile-sweep';
import { StartedTestApp } from './support/test-app';

/**
 * Hostile values per parameter in `npm test`, rotating through the catalogue so that every value
 * reaches every kind of parameter (path, query, header, body); `test/soak` sends all of them.
 */
const PER_PARAMETER = 12;

describe('injection sweep: hostile input in every parameter of every documented operation', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t?.close());

  it(`has at least 100 hostile strings (${HOSTILE_STRINGS.length})`, () => {
    expect(new Set(HOSTILE_STRINGS).size).toBeGreaterThanOrEqual(100);
  });

  it(`every operation and parameter of /docs-json (${PER_PARAMETER} values each): no 5xx, no leak, 400s name the parameter, nothing changes`, async () => {
    const sweep = await runSweep(t, { perParameter: PER_PARAMETER });
    process.stdout.write(`[injection sweep] ${JSON.stringify(sweep.figures)}\n`);
    expect(sweep.problems).toEqual([]);
    expect(sweep.figures.operations).toBe(sweep.operations);
    expect(sweep.uncovered).toEqual([]);
    expect(sweep.figures.statuses[200]).toBeGreaterThan(200); // many reached SQL
    expect(sweep.figures.statuses[201]).toBeGreaterThan(50); // accepted, and stored as sent (checked above)
    expect(sweep.figures.statuses[409]).toBeGreaterThan(50); // stale PATCHes: refused by SQL
    expect(sweep.canaryCalls).toBe(0);
    expect(sweep.after).toEqual(sweep.before);
    await http(t).get('/health').expect(200);
  }, 120_000);
});
