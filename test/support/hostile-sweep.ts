import { randomUUID } from 'node:crypto';
import { fieldNames, http, postExecution, postTask, postUser, uniqueEmail } from './api';
import { bounded, encode, headerValue, HOSTILE_STRINGS, HOSTILE_VALUES, shortened } from './hostile-input';
import {
  Answer,
  errorShapeProblems,
  HostileRequest,
  leaksIn,
  namesOneOf,
  readRow,
  send,
  storedMismatches,
} from './hostile-request';
import {
  ApiOperation,
  ApiParameter,
  fillPath,
  JsonSchema,
  loadOperations,
  operatorsOf,
  resourceOf,
} from './openapi-operations';
import { injectionCanaryCalls, installInjectionCanary, tableChecksums } from './table-checksums';
import type { StartedTestApp } from './test-app';

/** The tenant of the sweep's requests to tenant-scoped routes (`/notes`: `X-Tenant-Id` is required). */
export const SWEEP_TENANT = '5a1e5a1e-0000-4000-8000-000000000001';

/** Rows the sweep's base requests point at. */
export interface SweepTargets {
  /** A live row per resource (`users`, `tasks`, `notes`) for reads, PATCH (at a stale version) and restore. */
  live: Record<string, string>;
}

/** One request of the sweep and what it puts where. */
export interface Probe extends HostileRequest {
  operation: string;
  /** `query filter.email`, `body title`, `header X-Actor`, `path id`, `query name`, `extra …`. */
  target: string;
  /** A 400 or 422 must name one of these (any name, if absent). */
  names?: string[];
  /** The client's own texts, as the server decodes them (an echo of these is not a leak). */
  sent: string[];
  /** Set on a POST that may create a row: what it sent, to compare with what is stored. */
  creates?: { schema: JsonSchema; model: JsonSchema; sent: Record<string, unknown> };
}

/** A stale version: PATCHes reach SQL and are refused there (409), so nothing changes. */
export const STALE_VERSION = 1_000_000;
const BIG = 'a'.repeat(5_000);
/** Malformed percent-encoding and dot segments, sent as they are. */
const RAW = ['%E0%A4%A', '%00', '%ZZ', '%2e%2e%2f', '..', '%20'];
// prettier-ignore
const ODD_QUERIES = [
  'filter.status[$ne]=x', 'filter[status]=x', 'filter.id[]=x', '__proto__=x', '__proto__[admin]=1', 'constructor=x',
  'filter.__proto__=x', 'filter.constructor=x', 'filter.constructor.prototype=x', `${BIG}=1`, `filter.${BIG}=1`,
  'limit=1&limit=2', 'sortBy=id:ASC&sortBy=id:ASC', 'cursor=&cursor=', 'page=1&page=1', 'filter.id=1&filter.id=2',
  Array.from({ length: 1_200 }, (_, i) => `p${i}=1`).join('&'),
  Array.from({ length: 150 }, () => `filter.id=$in:${randomUUID()}`).join('&'),
  'filter.id=%ZZ', 'limit=%', '%=1', 'filter.id=%E0%A4%A', 'sortBy=%00', '=', '&&&', 'filter.=1', 'filter..id=1',
  'withDeleted=true&withDeleted=false', 'hard=TRUE', 'hard=1', 'limit=1e1', 'page=0x1', 'cursor=%00',
];
/** Parameters other list APIs take (nestjs-paginate's `search`, `select`…): undocumented here, so refused by name. */
const UNDOCUMENTED = ['search', 'searchBy', 'select', 'q', 'fields', 'sort', 'order', 'offset', 'filter', 'include'];
/** Bodies that are not one JSON object, as text. */
const ODD_BODIES = ['', '{"a":', '{"a":1}}', '[]', '[{}]', '"x"', '1', 'null', 'true', '\u0000', '{"a":1,}', "{'a':1}"];

/** `text` encoded for a URL, halved until it fits. */
const fit = (text: string) => encode(shortened(text));

const decoded = (encoded: string) => {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
};

/** A valid value of `schema` for a base body: PATCH's `version` is stale, emails unique, nullable null. */
function baseValue(name: string, schema: JsonSchema, method: string): unknown {
  if (method === 'PATCH' && name === 'version') return STALE_VERSION;
  if (schema.nullable) return null;
  if (schema.enum) return schema.enum[0];
  if (schema.format === 'email') return uniqueEmail('sweep');
  if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
  if (schema.format === 'uuid') return randomUUID();
  if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 0;
  if (schema.type === 'object') return {};
  if (schema.type === 'array') return [];
  return typeof schema.example === 'string' ? schema.example : 'x'.repeat(Math.max(1, schema.minLength ?? 1));
}

/** A base body with every documented field set to a valid value (so every probe runs the same statement). */
export function baseBody(operation: ApiOperation): Record<string, unknown> {
  const properties = operation.body?.properties ?? {};
  return Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => [name, baseValue(name, schema, operation.method)]),
  );
}

/** The base request of an operation; the sweep changes one thing in it per probe. */
function baseOf(operation: ApiOperation, targets: SweepTargets) {
  const pathValues: Record<string, string> = {};
  if (operation.path.includes('{id}')) {
    const live = targets.live[resourceOf(operation)];
    if (!live) throw new Error(`no live row for ${operation.key}: add one to the sweep's targets`);
    // DELETE would succeed on a live row; a missing one gets as far as SQL and changes nothing.
    pathValues.id = operation.method === 'DELETE' ? randomUUID() : live;
  }
  const creates = operation.method === 'POST' && operation.body && operation.model ? operation : undefined;
  // Required headers get a valid value (the tenant), so each probe breaks only what it targets.
  const headers: Record<string, string> = Object.fromEntries(
    operation.parameters.filter((p) => p.in === 'header' && p.required).map((p) => [p.name, SWEEP_TENANT]),
  );
  return {
    url: (path = pathValues, query = '') => `${fillPath(operation.path, path)}${query ? `?${query}` : ''}`,
    pathValues,
    probe: (target: string, body?: Record<string, unknown>, extra: Partial<Probe> = {}): Probe => ({
      operation: operation.key,
      method: operation.method,
      url: fillPath(operation.path, pathValues),
      target,
      sent: [],
      ...(body ? { body: JSON.stringify(body) } : {}),
      ...(body && creates ? { creates: { schema: creates.body!, model: creates.model!, sent: body } } : {}),
      ...extra,
      ...(Object.keys(headers).length ? { headers: { ...headers, ...extra.headers } } : {}),
    }),
  };
}

/** Picks `count` of `values` for the `slot`-th parameter, rotating so that every value is used. */
function sample<T>(values: readonly T[], slot: number, count: number): T[] {
  if (count >= values.length) return [...values];
  return Array.from({ length: count }, (_, k) => values[(slot * count + k) % values.length]);
}

/** Which hostile values each parameter gets: all of them, or `perParameter` in rotation. */
export interface SweepOptions {
  perParameter?: number;
}

/**
 * Every probe of the sweep, from the OpenAPI document: each hostile string in every path, query
 * and header parameter of every operation, each hostile string and value in every body field;
 * hostile parameter and filter names; odd query strings, extra and missing body fields, bodies
 * that are no JSON object, JSON fields holding hostile keys.
 */
export function sweepProbes(operations: ApiOperation[], targets: SweepTargets, options: SweepOptions = {}): Probe[] {
  const count = options.perParameter ?? Infinity;
  const slots = { path: 0, query: 0, header: 0, body: 0, name: 0 };
  const texts = (kind: keyof typeof slots) => sample(HOSTILE_STRINGS, slots[kind]++, count);
  const probes: Probe[] = [];
  for (const operation of operations) {
    const base = baseOf(operation, targets);
    const body = () => (operation.body ? baseBody(operation) : undefined);
    for (const parameter of operation.parameters) {
      probes.push(...parameterProbes(operation, parameter, base, body, texts(parameter.in)));
    }
    for (const text of texts('name')) {
      const name = fit(text);
      const sent = [decoded(name)];
      probes.push(base.probe('query name', body(), { url: base.url(undefined, `${name}=1`), names: sent, sent }));
      if (operation.parameters.some((p) => p.name.startsWith('filter.'))) {
        const filter = `filter.${decoded(name)}`;
        probes.push(
          base.probe('query filter name', body(), {
            url: base.url(undefined, `filter.${name}=1`),
            names: [filter],
            sent: [filter],
          }),
        );
      }
    }
    for (const [k, name] of UNDOCUMENTED.entries()) {
      const value = fit(HOSTILE_STRINGS[(slots.name * 7 + k) % HOSTILE_STRINGS.length]);
      const url = base.url(undefined, `${name}=${value}`);
      probes.push(base.probe('query undocumented', body(), { url, names: [name], sent: [decoded(value)] }));
    }
    for (const query of ODD_QUERIES) {
      probes.push(base.probe('query odd', body(), { url: base.url(undefined, query), sent: [decoded(query)] }));
    }
    if (operation.body) probes.push(...bodyProbes(operation, base, texts('body')));
  }
  return probes;
}

function parameterProbes(
  operation: ApiOperation,
  parameter: ApiParameter,
  base: ReturnType<typeof baseOf>,
  body: () => Record<string, unknown> | undefined,
  texts: string[],
): Probe[] {
  const target = `${parameter.in} ${parameter.name}`;
  if (parameter.in === 'header') {
    return texts.flatMap((text) => {
      const value = headerValue(text);
      return value === undefined
        ? []
        : [
            base.probe(target, body(), {
              headers: { [parameter.name]: value },
              names: [parameter.name],
              sent: [value],
            }),
          ];
    });
  }
  if (parameter.in === 'path') {
    const values = [...texts.map(fit), ...RAW];
    return values.map((value) =>
      base.probe(target, body(), {
        url: base.url({ ...base.pathValues, [parameter.name]: value }),
        // Express cannot tell which parameter a path it cannot decode (%ZZ) was meant for: `path`.
        names: [parameter.name, 'path'],
        sent: [decoded(value)],
      }),
    );
  }
  const operators = operatorsOf(parameter);
  return [...texts.map(fit), ...RAW].map((value, i) => {
    const prefix = operators.length && i % 2 ? `${operators[(i >> 1) % operators.length]}:` : '';
    return base.probe(target, body(), {
      url: base.url(undefined, `${encode(parameter.name)}=${encode(prefix)}${value}`),
      names: [parameter.name],
      sent: [prefix + decoded(value)],
    });
  });
}

function bodyProbes(operation: ApiOperation, base: ReturnType<typeof baseOf>, texts: string[]): Probe[] {
  const properties = operation.body?.properties ?? {};
  const valid = () => baseBody(operation);
  const values: unknown[] = [...texts, ...HOSTILE_VALUES];
  const probes: Probe[] = Object.keys(properties).flatMap((field) =>
    values.map((value) =>
      base.probe(`body ${field}`, { ...valid(), [field]: value }, { names: [field], sent: strings(value) }),
    ),
  );
  // JSON fields holding hostile keys and values
  for (const [field, schema] of Object.entries(properties)) {
    if (schema.type !== 'object' && schema.type !== 'array') continue;
    for (const text of texts) {
      const json = { [text]: text, nested: [text, { [text]: null }] };
      const value = schema.type === 'array' ? [json] : json;
      probes.push(base.probe(`body ${field}`, { ...valid(), [field]: value }, { names: [field], sent: [text] }));
    }
    for (const number of ['1e400', '-1e400', '-0', '12345678901234567890', '1e-400']) {
      const inner = `{"n":${number}}`;
      const text = JSON.stringify({ ...valid(), [field]: 'HERE' }).replace(
        '"HERE"',
        schema.type === 'array' ? `[${inner}]` : inner,
      );
      probes.push({ ...base.probe(`body ${field}`, JSON.parse(text), { names: [field] }), body: text });
    }
  }
  const extras: Array<[string, Record<string, unknown>]> = [
    [BIG, { [BIG]: 1 }],
    ['$where', { $where: '1' }],
    ['id', { id: randomUUID() }],
    ['deletedAt', { deletedAt: null }],
    ['createdAt', { createdAt: '2020-01-01T00:00:00Z' }],
    ...texts.map((text): [string, Record<string, unknown>] => [text, { [text]: 1 }]),
  ];
  for (const [name, extra] of extras) {
    probes.push(base.probe('extra field', { ...valid(), ...extra }, { names: [name], sent: [name] }));
  }
  for (const text of ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}']) {
    const bodyText = JSON.stringify(valid()).replace(/^\{/, `{${text.slice(1, -1)},`);
    probes.push({ ...base.probe('extra field', undefined, { names: ['__proto__', 'constructor'] }), body: bodyText });
  }
  for (const field of operation.body?.required ?? []) {
    const { [field]: _missing, ...rest } = valid();
    probes.push(base.probe('missing field', rest, { names: [field] }));
  }
  // An empty JSON body is `{}`: its required fields are missing.
  const names = ['body', ...(operation.body?.required ?? [])];
  for (const text of ODD_BODIES)
    probes.push({ ...base.probe('odd body', undefined, { names, sent: [text] }), body: text });
  return probes;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

/** A probe and its answer. */
export interface Outcome {
  probe: Probe;
  answer: Answer;
}

/** Sends every probe, `concurrency` at a time. */
export async function sendProbes(t: StartedTestApp, probes: Probe[], concurrency = 16): Promise<Outcome[]> {
  return bounded(
    probes.map((probe) => async () => ({ probe, answer: await send(t, probe) })),
    concurrency,
  );
}

const show = ({ probe, answer }: Outcome) =>
  `${answer.status} ${probe.target} ${probe.method} ${probe.url.slice(0, 90)} ${(probe.body ?? '').slice(0, 90)} ${JSON.stringify(probe.headers ?? '').slice(0, 60)} → ${answer.text.slice(0, 200)}`;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * What is wrong with the outcomes, one line each: a 5xx, an error not in the error shape, a leak,
 * a 400/422 not naming the parameter, a write that was not a create, an X-Request-Id echoed
 * although it does not match the documented pattern, a created row that does not hold what was sent.
 */
export async function sweepProblems(t: StartedTestApp, outcomes: Outcome[]): Promise<string[]> {
  const problems: string[] = [];
  for (const outcome of outcomes) {
    const { probe, answer } = outcome;
    const fail = (what: string) => problems.push(`${what}: ${show(outcome)}`);
    if (answer.status >= 500) fail('5xx');
    for (const problem of errorShapeProblems(answer)) fail(problem);
    if (answer.status >= 400) for (const leak of leaksIn(answer, probe.sent)) fail(`leak ${leak}`);
    if ((answer.status === 400 || answer.status === 422) && !namesOneOf(answer, probe.names ?? [])) {
      if (probe.names || !Object.keys(answer.body?.fields ?? {}).length) fail(`names not ${probe.names ?? 'a field'}`);
    }
    if (fieldNames(answer.body ?? {}).some((name) => name.length > 65)) fail('a name echoed past 64 characters');
    const sentId = probe.headers?.['X-Request-Id'];
    if (sentId !== undefined && answer.requestId !== sentId && REQUEST_ID.test(sentId)) fail('request id not kept');
    if (sentId !== undefined && answer.requestId === sentId && !REQUEST_ID.test(sentId)) fail('request id echoed');
    if (answer.status >= 200 && answer.status < 300 && probe.method !== 'GET') {
      if (!probe.creates || answer.status !== 201) fail('a write other than a create succeeded');
      else {
        const { schema, model, sent } = probe.creates;
        for (const m of storedMismatches(schema, sent, answer.body)) fail(`answered ${m}`);
        for (const m of storedMismatches(schema, sent, await readRow(t, model, answer.body.id))) fail(`stored ${m}`);
      }
    }
  }
  return problems;
}

/** Ids of the rows the outcomes created. */
export const createdIds = (outcomes: Outcome[]) =>
  outcomes.filter((o) => o.answer.status === 201).map((o) => String(o.answer.body.id));

/** Requests, operations, parameters (targets per operation) and statuses of a sweep, for the log. */
export function sweepFigures(outcomes: Outcome[]) {
  const statuses: Record<string, number> = {};
  for (const { answer } of outcomes) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  return {
    requests: outcomes.length,
    operations: new Set(outcomes.map((o) => o.probe.operation)).size,
    parameters: new Set(outcomes.map((o) => `${o.probe.operation} ${o.probe.target}`)).size,
    statuses,
  };
}

/**
 * The whole sweep on `t`'s fresh database: the canary, a user with a task and its execution, a
 * soft-deleted user and a note, checksums, every probe from `/docs-json`, then what is wrong. A clean run has
 * no problems, nothing uncovered, no canary call and equal checksums.
 */
export async function runSweep(t: StartedTestApp, options: SweepOptions = {}) {
  await installInjectionCanary(t);
  const user = await postUser(t);
  const task = await postTask(t, { assigneeId: user.id, requirements: { skills: ['sql'] } });
  await postExecution(t, task.id, { logs: ['started'] });
  await http(t)
    .delete(`/users/${(await postUser(t)).id}`)
    .expect(204);
  const note = await http(t).post('/notes').set('X-Tenant-Id', SWEEP_TENANT).send({ title: 'A note' }).expect(201);
  const before = await tableChecksums(t);
  const { operations } = await loadOperations(t);
  const started = Date.now();
  const outcomes = await sendProbes(
    t,
    sweepProbes(operations, { live: { users: user.id, tasks: task.id, notes: note.body.id } }, options),
  );
  const seconds = Math.round((Date.now() - started) / 1_000);
  const swept = new Set(outcomes.map((o) => `${o.probe.operation} ${o.probe.target}`));
  const documented = operations.flatMap((o) => [
    ...o.parameters.map((p) => `${o.key} ${p.in} ${p.name}`),
    ...Object.keys(o.body?.properties ?? {}).map((f) => `${o.key} body ${f}`),
  ]);
  return {
    figures: { ...sweepFigures(outcomes), documented: documented.length, seconds },
    operations: operations.length,
    problems: await sweepProblems(t, outcomes),
    uncovered: documented.filter((p) => !swept.has(p)),
    canaryCalls: await injectionCanaryCalls(t),
    before,
    after: await tableChecksums(t, createdIds(outcomes)),
  };
}
