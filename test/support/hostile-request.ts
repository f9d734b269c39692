import { echoName } from '../../src/http/field-errors';
import { fieldNames, LEAKS } from './api';
import type { JsonSchema } from './openapi-operations';
import type { StartedTestApp } from './test-app';

/** One request of the hostile-input tests, sent as it is. */
export interface HostileRequest {
  method: string;
  /** Path and query, already encoded (malformed encodings included on purpose). */
  url: string;
  headers?: Record<string, string>;
  /** The JSON body as text (so malformed JSON can be sent too). */
  body?: string;
}

/** What came back. */
export interface Answer {
  status: number;
  body: any;
  text: string;
  requestId: string | null;
}

/** Sends `request` to the app. */
export async function send(t: StartedTestApp, request: HostileRequest): Promise<Answer> {
  const res = await fetch(`${t.baseUrl}${request.url}`, {
    method: request.method,
    headers: { ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
    body: request.body,
  });
  const text = await res.text();
  let body: any = text;
  if (res.headers.get('content-type')?.includes('json')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text; // reported by errorShapeProblems
    }
  }
  return { status: res.status, body, text, requestId: res.headers.get('x-request-id') };
}

/** An error answer must be `{ statusCode, error, message[, fields] }` with its own status. */
export function errorShapeProblems({ status, body }: Answer): string[] {
  if (status < 400) return [];
  if (typeof body !== 'object' || body === null) return ['error body is not JSON'];
  const problems: string[] = [];
  if (body.statusCode !== status) problems.push(`statusCode ${body.statusCode} ≠ ${status}`);
  if (typeof body.error !== 'string' || typeof body.message !== 'string') problems.push('error or message missing');
  return problems;
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      out.push(key);
      strings(child, out);
    }
  }
  return out;
}

/**
 * Patterns of {@link LEAKS} found in an answer, once the client's own text (`sent`, whole or cut to
 * the 64 characters names are echoed with) is taken out: echoing `' UNION SELECT` back in
 * "cannot sort by" is not a leak; SQL, constraint names, stacks or PostgreSQL's messages are.
 */
export function leaksIn(answer: Answer, sent: readonly string[]): string[] {
  const forms = sent
    .flatMap((s) => [s, s.slice(0, 64), JSON.stringify(s).slice(1, -1), JSON.stringify(s.slice(0, 64)).slice(1, -1)])
    .filter((f) => f.length >= 3)
    .sort((a, b) => b.length - a.length);
  const texts = typeof answer.body === 'object' ? strings(answer.body) : [answer.text];
  const cleaned = texts.map((text) => forms.reduce((acc, form) => acc.split(form).join(' '), text)).join('\n');
  return LEAKS.filter((leak) => leak.test(cleaned)).map(String);
}

/** Whether the answer's `fields` names one of `names` (or a property inside one, or its echoed form). */
export function namesOneOf(answer: Answer, names: readonly string[]): boolean {
  const given = fieldNames(answer.body ?? {});
  return given.some((field) =>
    names.some((name) => field === name || field === echoName(name) || field.startsWith(`${name}.`)),
  );
}

/**
 * The entity metadata's repository whose columns are exactly `model`'s properties, apart from
 * relations the model may carry (`include`): the table the rows of an operation's answer live in.
 */
export function repositoryFor(t: StartedTestApp, model: JsonSchema) {
  const metadata = t.dataSource.entityMetadatas.find((m) => {
    const relations = new Set(m.relations.map((r) => r.propertyName));
    const properties = Object.keys(model.properties ?? {}).filter((p) => !relations.has(p));
    return JSON.stringify(m.columns.map((c) => c.propertyName).sort()) === JSON.stringify(properties.sort());
  });
  const properties = Object.keys(model.properties ?? {}).sort();
  if (!metadata) throw new Error(`no entity has the columns ${properties.join(', ')}`);
  return t.dataSource.getRepository(metadata.target);
}

/** The row `id` of `model`'s table as JSON (dates as ISO text), soft-deleted or not; `null` if none. */
export async function readRow(t: StartedTestApp, model: JsonSchema, id: string): Promise<Record<string, any> | null> {
  const row = await repositoryFor(t, model).findOne({ where: { id }, withDeleted: true });
  return row ? JSON.parse(JSON.stringify(row)) : null;
}

/** A sent value as it must be stored: emails lower-cased, date-times as instants, JSON as JSON. */
function expected(schema: JsonSchema | undefined, value: unknown): unknown {
  if (typeof value === 'string' && schema?.format === 'email') return value.toLowerCase();
  if (typeof value === 'string' && schema?.format === 'date-time') return new Date(value).toISOString();
  return JSON.parse(JSON.stringify(value ?? null));
}

/**
 * Fields of `sent` (a body the API accepted) that `row` (read back, or answered) does not hold as
 * sent, with both values; `skip` names fields that are not stored as such (`version`).
 */
export function storedMismatches(
  schema: JsonSchema,
  sent: Record<string, unknown>,
  row: Record<string, unknown> | null,
  skip: readonly string[] = ['version'],
): string[] {
  if (!row) return ['row not found'];
  return Object.entries(sent)
    .filter(([field]) => !skip.includes(field))
    .filter(([field, value]) => {
      if (!finite(value)) return true; // JSON.stringify would turn the number into null

      const want = expected(schema.properties?.[field], value);
      return JSON.stringify(want) !== JSON.stringify(row[field] ?? null) && !sameJson(want, row[field]);
    })
    .map(
      ([field, value]) =>
        `${field}: sent ${JSON.stringify(value)?.slice(0, 80)}, stored ${JSON.stringify(row[field])?.slice(0, 80)}`,
    );
}

/** Whether every number inside `value` is finite (JSON text like `1e400` parses to Infinity). */
function finite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value && typeof value === 'object') return Object.values(value).every(finite);
  return true;
}

/** Deep equality of JSON values regardless of key order (jsonb reorders keys). */
function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && sameJson((a as any)[k], (b as any)[k]))
    );
  }
  return a === b || (a === null && b === undefined);
}
