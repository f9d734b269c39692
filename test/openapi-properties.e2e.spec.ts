import { http, startApiApp } from './support/api';
import { propertyRun, runRequestProperties } from './support/request-properties';
import { StartedTestApp } from './support/test-app';

/** Fixed, so `npm test` is deterministic; `FC_SEED` and `FC_RUNS` override it (the soak form runs more). */
const RUN = propertyRun({ seed: 20_261_122, numRuns: 300 });

describe('property-based requests generated from /docs-json', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t?.close());

  it(`never 5xx; 4xx and GETs change nothing; 2xx writes read back as sent (seed ${RUN.seed}, ${RUN.numRuns} runs)`, async () => {
    const result = await runRequestProperties(t, RUN);
    process.stdout.write(`[openapi properties] ${JSON.stringify(result)}\n`);
    expect(result.runs).toBe(RUN.numRuns);
    expect(result.canaryCalls).toBe(0);
    await http(t).get('/health').expect(200);
  }, 120_000);
});
