import { http, startApiApp } from '../support/api';
import { runSweep } from '../support/hostile-sweep';
import { propertyRun, runRequestProperties } from '../support/request-properties';
import { StartedTestApp } from '../support/test-app';

/**
 * The long forms of `test/injection-sweep.e2e.spec.ts` and `test/openapi-properties.e2e.spec.ts`:
 * every hostile value in every parameter (the full cross product), and thousands of generated
 * requests from a new seed each run (printed; `FC_SEED` replays one, `FC_RUNS` sets the count).
 * Not part of `npm test` (`testPathIgnorePatterns`); `npm run test:soak` runs it.
 */
describe('soak: hostile input at scale', () => {
  let t: StartedTestApp;
  beforeEach(async () => {
    t = await startApiApp();
  });
  afterEach(() => t?.close());

  it('the full cross product of the sweep: no 5xx, no leak, 400s name the parameter, nothing changes', async () => {
    const sweep = await runSweep(t);
    process.stdout.write(`[soak sweep] ${JSON.stringify(sweep.figures)}\n`);
    expect(sweep.problems.slice(0, 50)).toEqual([]);
    expect(sweep.uncovered).toEqual([]);
    expect(sweep.canaryCalls).toBe(0);
    expect(sweep.after).toEqual(sweep.before);
    await http(t).get('/health').expect(200);
  }, 900_000);

  it('generated requests: never 5xx; 4xx and GETs change nothing; 2xx writes read back as sent', async () => {
    const run = propertyRun({ seed: Date.now() % 2 ** 31, numRuns: 5_000 });
    process.stdout.write(`[soak properties] seed ${run.seed}, ${run.numRuns} runs (replay: FC_SEED=${run.seed})\n`);
    const result = await runRequestProperties(t, run);
    process.stdout.write(`[soak properties] ${JSON.stringify(result)}\n`);
    expect(result.canaryCalls).toBe(0);
    await http(t).get('/health').expect(200);
  }, 900_000);
});
