import { randomUUID } from 'node:crypto';
import { SOFT_DELETABLE_LIST_QUERY } from '../src/http/api-list-query.decorator';
import { EXECUTIONS_LIST_QUERY, TASKS_LIST_QUERY } from '../src/tasks/tasks.list-query';
import { USERS_LIST_QUERY } from '../src/users/users.list-query';
import { StartedTestApp } from './support/test-app';
import { bounded, encode, HOSTILE_STRINGS, HOSTILE_VALUES } from './support/hostile-input';
import { http, postExecution, postTask, postUser, snapshot, startApiApp, uniqueEmail } from './support/api';

/** One request of the sweep; `creates`: a 201 adds a row, which must hold exactly what was sent. */
interface Probe {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: Record<string, unknown>;
  creates?: boolean;
}

const OPERATORS = ['$eq', '$not', '$gt', '$gte', '$lt', '$lte', '$in', '$null', '$btw', '$ilike', '$sw', '$not:$in'];
const LIST_PARAMETERS = ['limit', 'page', 'cursor', 'sortBy', 'withDeleted', 'onlyDeleted', 'count'];
const BASE_FILTERS = Object.keys(SOFT_DELETABLE_LIST_QUERY.filters);
const BIG = 'a'.repeat(5_000);
/** Malformed percent-encoding and dot segments, sent as they are. */
const RAW = ['%E0%A4%A', '%00', '%ZZ', '%2e%2e%2f', '..', '%20'];
/** Under Node's 16 kB header limit, so that the request reaches the app (Node answers 431 itself). */
const MAX_ENCODED = 12_000;

/** `text` encoded for a URL, halved until it fits. */
function fit(text: string): string {
  const encoded = encode(text);
  return encoded.length <= MAX_ENCODED ? encoded : fit(text.slice(0, text.length / 2));
}

/**
 * Query-string probes of the list routes: each hostile string in every grammar parameter, and in
 * every filter of every route, alternately bare and after an operator. What the routes share
 * (the grammar parameters, the base columns' filters) rotates among them; odd names and shapes
 * go to every route.
 */
function listProbes(routes: Array<[path: string, filters: string[]]>): Probe[] {
  const queries = HOSTILE_STRINGS.flatMap((text, i) => {
    const value = fit(text);
    const operator = encode(OPERATORS[i % OPERATORS.length]);
    const path = (k: number) => routes[(i + k) % routes.length][0];
    return [
      ...LIST_PARAMETERS.map((name, k) => `${path(k)}?${name}=${value}`),
      `${path(0)}?${value}=1`,
      `${path(1)}?filter.${value}=1`,
      ...BASE_FILTERS.map((field, k) => `${path(k)}?filter.${field}=${k % 2 ? `${operator}:` : ''}${value}`),
      ...routes.flatMap(([route, filters]) =>
        filters
          .filter((field) => !BASE_FILTERS.includes(field))
          .map((field, k) => `${route}?filter.${field}=${(i + k) % 2 ? `${operator}:` : ''}${value}`),
      ),
    ];
  });
  // prettier-ignore
  const odd = [
    'filter.status[$ne]=x', 'filter[status]=x', 'filter.id[]=x', '__proto__=x', '__proto__[admin]=1', 'constructor=x',
    'filter.__proto__=x', 'filter.constructor=x', 'filter.constructor.prototype=x', `${BIG}=1`, `filter.${BIG}=1`,
    'limit=1&limit=2', 'sortBy=id:ASC&sortBy=id:ASC', 'cursor=&cursor=', 'page=1&page=1', 'filter.id=1&filter.id=2',
    Array.from({ length: 1_200 }, (_, i) => `p${i}=1`).join('&'),
    Array.from({ length: 150 }, () => `filter.id=$in:${randomUUID()}`).join('&'),
    'filter.id=%ZZ', 'limit=%', '%=1', 'filter.id=%E0%A4%A', 'sortBy=%00', '=', '&&&', 'filter.=1', 'filter..id=1',
  ];
  return [...queries, ...routes.flatMap(([path]) => odd.map((query) => `${path}?${query}`))].map((url) => ({
    method: 'GET',
    url,
  }));
}

/** Every field of `base()` (a valid body with all fields) set to each hostile string and value in turn. */
function bodyProbes(method: Probe['method'], url: string, base: () => Record<string, unknown>, creates = false) {
  const probes: Probe[] = Object.keys(base()).flatMap((field) =>
    [...HOSTILE_STRINGS, ...HOSTILE_VALUES].map((value) => ({
      method,
      url,
      body: { ...base(), [field]: value },
      creates,
    })),
  );
  const extras = [{ [BIG]: 1 }, { $where: '1' }, { id: randomUUID() }, { deletedAt: null }];
  return [...probes, ...extras.map((extra) => ({ method, url, body: { ...base(), ...extra } }))];
}

/** A JSON field holding hostile keys and values. */
const jsonProbes = (url: string, base: () => Record<string, unknown>, field: string, wrap: (v: object) => unknown) =>
  HOSTILE_STRINGS.map((text) => ({
    method: 'POST' as const,
    url,
    body: { ...base(), [field]: wrap({ [text]: text, nested: [text, { [text]: null }] }) },
    creates: true,
  }));

/** Sends every probe, 16 at a time; what came back. */
async function send(t: StartedTestApp, probes: Probe[]) {
  return bounded(
    probes.map((probe) => async () => {
      const started = Date.now();
      const res = await fetch(`${t.baseUrl}${probe.url}`, {
        method: probe.method,
        headers: probe.body ? { 'content-type': 'application/json' } : {},
        body: probe.body ? JSON.stringify(probe.body) : undefined,
      });
      const text = await res.text();
      const body = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
      return { probe, status: res.status, body, ms: Date.now() - started };
    }),
    16,
  );
}

type Outcome = Awaited<ReturnType<typeof send>>[number];

const show = ({ status, probe }: Outcome) =>
  `${status} ${probe.method} ${probe.url.slice(0, 100)} ${JSON.stringify(probe.body ?? '').slice(0, 100)}`;

/** No 5xx; every 4xx in the error shape; a 201 only where allowed, holding exactly what was sent; no pg_sleep ran. */
function expectSafe(outcomes: Outcome[]): void {
  expect(outcomes.filter((o) => o.status >= 500).map(show)).toEqual([]);
  expect(outcomes.filter((o) => o.status >= 400 && o.body?.statusCode !== o.status).map(show)).toEqual([]);
  expect(outcomes.filter((o) => o.status === 201 && !o.probe.creates).map(show)).toEqual([]);
  expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(3_000);
  for (const { probe, body, status } of outcomes) {
    if (status !== 201) continue;
    const email = probe.body?.email;
    const sent = { ...probe.body, ...(typeof email === 'string' ? { email: email.toLowerCase() } : {}) };
    expect(body).toMatchObject(JSON.parse(JSON.stringify(sent)));
  }
}

describe('injection sweep: hostile input in every parameter and field', () => {
  let t: StartedTestApp;
  let user: { id: string };
  let task: { id: string };
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    t = await startApiApp();
    user = await postUser(t);
    task = await postTask(t, { assigneeId: user.id, requirements: { skills: ['sql'] } });
    await postExecution(t, task.id, { logs: ['started'] });
    await http(t)
      .delete(`/users/${(await postUser(t)).id}`)
      .expect(204);
    before = await snapshot(t);
  });
  afterAll(() => t?.close());

  it(`has at least 100 hostile strings (${HOSTILE_STRINGS.length})`, () => {
    expect(new Set(HOSTILE_STRINGS).size).toBeGreaterThanOrEqual(100);
  });

  it('query strings and path parameters: no 5xx, and nothing changes', async () => {
    const executions = `/tasks/${task.id}/executions`;
    const idRoutes: Array<[Probe['method'], string]> = [
      ...['/users', '/tasks'].flatMap((p): Array<[Probe['method'], string]> => [
        ['GET', `${p}/:id`],
        ['PATCH', `${p}/:id`],
        ['DELETE', `${p}/:id`],
        ['POST', `${p}/:id/restore`],
      ]),
      ['GET', '/tasks/:id/executions'],
      ['POST', '/tasks/:id/executions'],
    ];
    const nowhere = randomUUID();
    const values = [...HOSTILE_STRINGS.map(fit), ...RAW];
    const outcomes = await send(t, [
      ...listProbes([
        ['/users', Object.keys(USERS_LIST_QUERY.filters)],
        ['/tasks', Object.keys(TASKS_LIST_QUERY.filters)],
        [executions, Object.keys(EXECUTIONS_LIST_QUERY.filters)],
      ]),
      ...values.flatMap((value, i): Probe[] => [
        { method: 'GET', url: `/users/${user.id}?withDeleted=${value}` },
        { method: 'GET', url: `/tasks/${task.id}?${value}=true` },
        { method: 'DELETE', url: `/users/${nowhere}?hard=${value}` },
        ...(['true', 'false'].includes(value)
          ? []
          : [{ method: 'DELETE' as const, url: `/tasks/${task.id}?hard=${value}` }]),
        // every route takes :id through the same pipe, so each value goes to one of them in turn
        { method: idRoutes[i % idRoutes.length][0], url: idRoutes[i % idRoutes.length][1].replace(':id', value) },
      ]),
      ...RAW.flatMap((raw) => idRoutes.map(([method, route]): Probe => ({ method, url: route.replace(':id', raw) }))),
    ]);
    expectSafe(outcomes);
    expect(outcomes.filter((o) => o.status === 200).length).toBeGreaterThan(100); // many reached SQL
    expect(await snapshot(t)).toEqual(before);
  }, 90_000);

  it('bodies of POST and PATCH: no 5xx, accepted values stored exactly, existing rows unchanged', async () => {
    const stale = 1_000_000; // PATCH values are bound into the UPDATE, whose version check refuses them
    const executions = `/tasks/${task.id}/executions`;
    const userBody = () => ({ email: uniqueEmail('sweep'), displayName: 'Sweep' });
    // Every field every time: the same columns, so the same prepared statement (see the BUG in tasks-api).
    const taskBody = () => ({
      title: 'T',
      description: 'D',
      status: 'pending',
      priority: 1,
      requirements: {},
      assigneeId: null,
      parentId: null,
    });
    const executionBody = () => ({ agentType: 'A', status: 'queued', logs: [], startedAt: null, completedAt: null });
    const outcomes = await send(t, [
      ...bodyProbes('POST', '/users', userBody, true),
      ...bodyProbes('PATCH', `/users/${user.id}`, () => ({ ...userBody(), version: stale })),
      ...bodyProbes('POST', '/tasks', taskBody, true),
      ...bodyProbes('PATCH', `/tasks/${task.id}`, () => ({ ...taskBody(), version: stale })),
      ...bodyProbes('POST', executions, executionBody, true),
      ...jsonProbes('/tasks', taskBody, 'requirements', (v) => v),
      ...jsonProbes(executions, executionBody, 'logs', (v) => [v]),
    ]);
    expectSafe(outcomes);
    const created = outcomes.filter((o) => o.status === 201);
    expect(created.length).toBeGreaterThan(100);
    expect(outcomes.filter((o) => o.status === 409).length).toBeGreaterThan(100); // stale PATCHes reached SQL
    expect(
      await snapshot(
        t,
        created.map((o) => o.body.id),
      ),
    ).toEqual(before);
  }, 90_000);
});
