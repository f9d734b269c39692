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

  it(`never 5xx; 4xx and GETs change nothing; 2xx writes read back as sent; what the document allows is accepted and what it forbids is a 400 (seed ${RUN.seed}, ${RUN.numRuns} runs)`, async () => {
    const result = await runRequestProperties(t, RUN);
    process.stdout.write(`[openapi properties] ${JSON.stringify(result)}\n`);
    expect(result.runs).toBe(RUN.numRuns);
    expect(result.canaryCalls).toBe(0);
    // The acceptance property ran on a good share of valid requests, and on each documented
    // constraint (at the default run length; FC_RUNS may be shorter).
    const { acceptance } = result;
    if (RUN.numRuns < 300) return;
    expect(acceptance.valid).toBeGreaterThan(RUN.numRuns / 4);
    expect(acceptance.accepted).toBeGreaterThan(acceptance.valid / 3);
    expect(Object.keys(acceptance.broken).sort()).toEqual(
      expect.arrayContaining(['body field', 'header X-Actor pattern', 'path id pattern']),
    );
    expect(Object.keys(acceptance.broken).some((kind) => /^body\.\w+ pattern$/.test(kind))).toBe(true);
    await http(t).get('/health').expect(200);
  }, 120_000);
});
