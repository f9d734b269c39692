import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { ANONYMOUS_ACTOR } from '../../src/http/request-context.middleware';
import { http, postExecution, postTask, postUser, sql } from './api';
import { encode } from './hostile-input';
import {
  errorShapeProblems,
  HostileRequest,
  leaksIn,
  readRow,
  repositoryFor,
  send,
  storedMismatches,
} from './hostile-request';
import { acceptanceProblems, AcceptanceTally, newAcceptanceTally } from './openapi-acceptance';
import { anyRequest, GeneratedRequest } from './openapi-arbitraries';
import { ApiOperation, fillPath, JsonSchema, loadOperations, resourceOf } from './openapi-operations';
import { injectionCanaryCalls, installInjectionCanary, tableChecksums } from './table-checksums';
import type { StartedTestApp } from './test-app';

const TOKEN = /@@(\w+):(\d+)/g;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AUDIT_ACTION: Record<string, string> = { POST: 'create', PATCH: 'update', DELETE: 'soft_delete' };

/** The rows the generated requests can point at, by table; created rows join them. */
export class KnownRows {
  private readonly tables = new Map<string, string[]>();

  add(table: string, id: string): void {
    this.tables.set(table, [...(this.tables.get(table) ?? []), id]);
  }

  /** Row `n` (modulo) of `table`, or of every table for `any`; a fresh uuid if there is none. */
  pick(table: string, n: number): string {
    const ids = table === 'any' ? [...this.tables.values()].flat() : (this.tables.get(table) ?? []);
    return ids.length ? ids[n % ids.length] : '00000000-0000-4000-8000-000000000000';
  }
}

/** The row model of an operation: its own answer's, else that of `GET` on the same path. */
const modelOf = (operation: ApiOperation, operations: ApiOperation[]): JsonSchema | undefined =>
  operation.model ?? operations.find((o) => o.method === 'GET' && o.path === operation.path)?.model;

/** The request with its row and version tokens replaced by the rows that exist now. */
async function resolve(t: StartedTestApp, rows: KnownRows, generated: GeneratedRequest, operation: ApiOperation) {
  const ids = (text: string) => text.replace(TOKEN, (_, table: string, n: string) => rows.pick(table, Number(n)));
  const path = Object.fromEntries(Object.entries(generated.path).map(([k, v]) => [k, ids(v)]));
  const id = path.id;
  const model = modelOf(operation, []);
  const value = async (v: unknown): Promise<unknown> => {
    if (typeof v === 'string' && v.startsWith('@@version:')) {
      const current = model && UUID.test(id ?? '') ? ((await readRow(t, model, id))?.version ?? 1) : 1;
      return v === '@@version:current' ? current : current + 1_000;
    }
    if (typeof v === 'string') return ids(v);
    if (Array.isArray(v)) return Promise.all(v.map(value));
    if (v && typeof v === 'object') {
      return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await value(x)])));
    }
    return v;
  };
  const body = generated.body && 'json' in generated.body ? await value(generated.body.json) : undefined;
  const query = generated.query.map(([k, v]) => [k, ids(v)]);
  const request: HostileRequest = {
    method: operation.method,
    url:
      fillPath(operation.path, path) +
      (query.length ? `?${query.map((kv) => kv.map(encode).join('=')).join('&')}` : ''),
    headers: generated.headers,
    body:
      generated.body && 'text' in generated.body
        ? generated.body.text
        : body === undefined
          ? undefined
          : JSON.stringify(body),
  };
  const sent = [
    ...query.flat(),
    ...Object.values(generated.headers),
    ...Object.values(path).map(decodeURIComponentSafe),
  ];
  if (generated.body && 'text' in generated.body) sent.push(generated.body.text);
  else sent.push(...strings(body));
  return { request, body: body as Record<string, unknown> | undefined, id, query, sent };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

/**
 * Sends one generated request and checks the properties: never a 5xx; an error in the error shape,
 * leaking nothing, naming a field if it is a 400/422; a 4xx, or any GET, leaves every table as it
 * was; a 2xx write is read back from the database as sent, with its audit entry (action, actor,
 * request id). Throws what went wrong, request and answer included; else returns the status.
 */
export async function checkRequest(
  t: StartedTestApp,
  operations: ApiOperation[],
  rows: KnownRows,
  generated: GeneratedRequest,
  tally: AcceptanceTally = newAcceptanceTally(),
): Promise<number> {
  const operation = operations.find((o) => o.key === generated.operation)!;
  const resolved = await resolve(t, rows, generated, { ...operation, model: modelOf(operation, operations) });
  const before = await tableChecksums(t);
  const answer = await send(t, resolved.request);
  const problems: string[] = [];
  if (answer.status >= 500) problems.push('a 5xx');
  problems.push(...errorShapeProblems(answer));
  problems.push(...(await acceptanceProblems(t, operation, generated, answer, resolved.id, tally)));
  if (answer.status >= 400) problems.push(...leaksIn(answer, resolved.sent).map((l) => `leak ${l}`));
  if ((answer.status === 400 || answer.status === 422) && !Object.keys(answer.body?.fields ?? {}).length) {
    problems.push('a 400/422 naming no field');
  }
  const after = await tableChecksums(t);
  if ((answer.status >= 400 || operation.method === 'GET') && JSON.stringify(after) !== JSON.stringify(before)) {
    problems.push(`a ${answer.status} to ${operation.method} changed the data`);
  }
  if (answer.status >= 200 && answer.status < 300 && operation.method !== 'GET') {
    problems.push(...(await readBack(t, operations, rows, operation, resolved, answer)));
  }
  if (process.env.FC_LOG) {
    // One line per request, to see what the generator covers: FC_LOG=/tmp/requests.log
    const { url, headers, body } = resolved.request;
    const line = `${answer.status} ${generated.operation} ${generated.mutation} ${url.slice(0, 80)} ${JSON.stringify(headers)}`;
    appendFileSync(process.env.FC_LOG, `${line} ${body?.slice(0, 100)} → ${answer.text.slice(0, 160)}\n`);
  }
  if (problems.length) {
    const { method, url, headers, body } = resolved.request;
    throw new Error(
      `${problems.join('; ')}\n  ${method} ${url.slice(0, 300)}\n  headers ${JSON.stringify(headers)}\n` +
        `  body ${body?.slice(0, 300)}\n  → ${answer.status} ${answer.text.slice(0, 300)}`,
    );
  }
  return answer.status;
}

type Resolved = Awaited<ReturnType<typeof resolve>>;

/** What a successful write left in the database, against what was sent. */
async function readBack(
  t: StartedTestApp,
  operations: ApiOperation[],
  rows: KnownRows,
  operation: ApiOperation,
  resolved: Resolved,
  answer: Awaited<ReturnType<typeof send>>,
): Promise<string[]> {
  const model = modelOf(operation, operations);
  if (!model) return [`no row model for ${operation.key}`];
  const restore = operation.path.endsWith('/restore');
  const creates = operation.method === 'POST' && !restore;
  const id = creates ? String(answer.body?.id) : resolved.id;
  const row = await readRow(t, model, id);
  const problems: string[] = [];
  if (creates) {
    rows.add(repositoryFor(t, model).metadata.tableName, id);
    problems.push(...storedMismatches(operation.body!, resolved.body ?? {}, answer.body).map((m) => `answered ${m}`));
    problems.push(...storedMismatches(operation.body!, resolved.body ?? {}, row).map((m) => `stored ${m}`));
  } else if (operation.method === 'PATCH') {
    problems.push(...storedMismatches(operation.body!, resolved.body ?? {}, row).map((m) => `stored ${m}`));
    const sentVersion = resolved.body?.version as number;
    if (row?.version !== answer.body?.version || row?.version !== sentVersion + 1) {
      problems.push(`version ${row?.version} (answered ${answer.body?.version}) after a PATCH at ${sentVersion}`);
    }
  }
  const hard = resolved.query.some(([k, v]) => k === 'hard' && v === 'true');
  if (operation.method === 'DELETE' && (hard ? row !== null : !row?.deletedAt)) problems.push('not deleted');
  if (restore && (!row || row.deletedAt)) problems.push('not restored');
  const action = restore ? 'restore' : hard ? 'delete' : AUDIT_ACTION[operation.method];
  const [audit] = await sql(
    t,
    `SELECT action, actor, request_id FROM audit_logs WHERE entity_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`,
    [id],
  );
  // HTTP drops a header value's leading and trailing spaces and tabs (RFC 9110 §5.5).
  const actor = resolved.request.headers?.['X-Actor']?.replace(/^[ \t]+|[ \t]+$/g, '') ?? ANONYMOUS_ACTOR;
  const want = UNAUDITED.has(resourceOf(operation)) ? undefined : { action, actor, request_id: answer.requestId };
  if (JSON.stringify(audit) !== JSON.stringify(want)) {
    problems.push(`audit entry ${JSON.stringify(audit)}, expected ${JSON.stringify(want)}`);
  }
  return problems;
}

/** Resources whose entity is `@NotAudited()` (`Note`: the audit trail is shared by every tenant). */
const UNAUDITED = new Set(['notes']);

/** How the properties run: `FC_SEED` and `FC_RUNS` override the defaults (`FC_LOG=<file>` lists every request). */
export interface PropertyRun {
  seed: number;
  numRuns: number;
}

export const propertyRun = (defaults: PropertyRun): PropertyRun => ({
  seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : defaults.seed,
  numRuns: process.env.FC_RUNS ? Number(process.env.FC_RUNS) : defaults.numRuns,
});

/**
 * Runs `numRuns` generated requests, one at a time, through {@link checkRequest}. A failure
 * names the seed to replay it with (`FC_SEED=… npm test -- <file>`) and the shrunk request.
 */
export async function assertRequestProperties(
  t: StartedTestApp,
  operations: ApiOperation[],
  rows: KnownRows,
  run: PropertyRun,
): Promise<{ runs: number; statuses: Record<string, number>; acceptance: AcceptanceTally }> {
  const statuses: Record<string, number> = {};
  const acceptance = newAcceptanceTally();
  const property = fc.asyncProperty(anyRequest(operations), async (generated) => {
    const status = await checkRequest(t, operations, rows, generated, acceptance);
    statuses[status] = (statuses[status] ?? 0) + 1;
  });
  const details = await fc.check(property, { seed: run.seed, numRuns: run.numRuns });
  if (details.failed) {
    const error =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`Replay with FC_SEED=${run.seed}\n${error}\n${fc.defaultReportMessage(details)}`.slice(0, 6_000));
  }
  return { runs: details.numRuns, statuses, acceptance };
}

/**
 * The properties on `t`'s fresh database: the canary, two users with a task and an execution each
 * and a soft-deleted user to start from, then `run`. Returns the figures and the canary's calls.
 */
export async function runRequestProperties(t: StartedTestApp, run: PropertyRun) {
  await installInjectionCanary(t);
  const rows = new KnownRows();
  for (let i = 0; i < 2; i++) {
    const user = await postUser(t);
    const task = await postTask(t, { assigneeId: user.id });
    rows.add('users', user.id);
    rows.add('tasks', task.id);
    rows.add('task_executions', (await postExecution(t, task.id)).id);
  }
  const gone = await postUser(t);
  await http(t).delete(`/users/${gone.id}`).expect(204);
  rows.add('users', gone.id);
  const { operations } = await loadOperations(t);
  const started = Date.now();
  const figures = await assertRequestProperties(t, operations, rows, run);
  return {
    ...figures,
    seed: run.seed,
    seconds: Math.round((Date.now() - started) / 1_000),
    canaryCalls: await injectionCanaryCalls(t),
  };
}
