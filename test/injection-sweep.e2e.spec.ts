import { http, postExecution, postTask, postUser, startApiApp } from './support/api';
import { HOSTILE_STRINGS } from './support/hostile-input';
import { createdIds, sendProbes, sweepFigures, sweepProbes, sweepProblems } from './support/hostile-sweep';
import { loadOperations } from './support/openapi-operations';
import {
  injectionCanaryCalls,
  installInjectionCanary,
  tableChecksums,
  TableChecksums,
} from './support/table-checksums';
import { StartedTestApp } from './support/test-app';

/**
 * Hostile values per parameter in `npm test`, rotating through the catalogue so that every value
 * reaches every kind of parameter (path, query, header, body); `test/soak` sends all of them.
 */
const PER_PARAMETER = 12;

describe('injection sweep: hostile input in every parameter of every documented operation', () => {
  let t: StartedTestApp;
  let targets: { live: Record<string, string> };
  let before: TableChecksums;
  beforeAll(async () => {
    t = await startApiApp();
    await installInjectionCanary(t);
    const user = await postUser(t);
    const task = await postTask(t, { assigneeId: user.id, requirements: { skills: ['sql'] } });
    await postExecution(t, task.id, { logs: ['started'] });
    await http(t)
      .delete(`/users/${(await postUser(t)).id}`)
      .expect(204);
    targets = { live: { users: user.id, tasks: task.id } };
    before = await tableChecksums(t);
  });
  afterAll(() => t?.close());

  it(`has at least 100 hostile strings (${HOSTILE_STRINGS.length})`, () => {
    expect(new Set(HOSTILE_STRINGS).size).toBeGreaterThanOrEqual(100);
  });

  it('every operation and parameter of /docs-json: no 5xx, no leak, 400s name the parameter, nothing changes', async () => {
    const { operations } = await loadOperations(t);
    const probes = sweepProbes(operations, targets, { perParameter: PER_PARAMETER });
    const outcomes = await sendProbes(t, probes);
    expect(await sweepProblems(t, outcomes)).toEqual([]);

    const figures = sweepFigures(outcomes);
    process.stdout.write(`[injection sweep] ${JSON.stringify(figures)}\n`);
    expect(figures.operations).toBe(operations.length);
    const parameters = operations.flatMap((o) => o.parameters.map((p) => `${o.key} ${p.in} ${p.name}`));
    const swept = new Set(outcomes.map((o) => `${o.probe.operation} ${o.probe.target}`));
    expect(parameters.filter((p) => !swept.has(p))).toEqual([]);
    const bodyFields = operations.flatMap((o) =>
      Object.keys(o.body?.properties ?? {}).map((f) => `${o.key} body ${f}`),
    );
    expect(bodyFields.filter((f) => !swept.has(f))).toEqual([]);
    expect(figures.statuses[200]).toBeGreaterThan(200); // many reached SQL
    expect(figures.statuses[201]).toBeGreaterThan(50); // accepted, and stored as sent (checked above)
    expect(figures.statuses[409]).toBeGreaterThan(50); // stale PATCHes, restores of live rows: refused by SQL

    expect(await injectionCanaryCalls(t)).toBe(0);
    expect(await tableChecksums(t, createdIds(outcomes))).toEqual(before);
    await http(t).get('/health').expect(200);
  }, 120_000);
});
