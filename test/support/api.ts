import { Logger } from '@nestjs/common';
import request from 'supertest';
import { createTestApp, StartedTestApp } from './test-app';
import { harnessCanaryPassword, TestDatabase } from './test-database';

/**
 * The real app on its own database (or on `db`, shared), for the HTTP API specs. The failures these specs provoke
 * on purpose are not logged (`TEST_LOG=1` shows them); the assertions catch the unexpected.
 */
export async function startApiApp(env: NodeJS.ProcessEnv = {}, db?: TestDatabase): Promise<StartedTestApp> {
  const t = await createTestApp().withDatabase(db).withEnv(env).start();
  if (!process.env.TEST_LOG) Logger.overrideLogger(false);
  return t;
}

/** supertest bound to the app's server. */
export const http = (t: StartedTestApp) => request(t.baseUrl);

/** Rows of a raw SQL query, to read the database back. */
export const sql = <R = any>(t: StartedTestApp, text: string, values?: unknown[]): Promise<R[]> =>
  t.dataSource.query(text, values);

let sequence = 0;
/** A unique email for this file's run. */
export const uniqueEmail = (prefix = 'user') => `${prefix}-${++sequence}-${Date.now()}@example.com`;

/** `POST path` with `body`, expecting 201; the created row as JSON. */
export async function created(t: StartedTestApp, path: string, body: object): Promise<any> {
  const res = await http(t).post(path).send(body);
  if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${res.text}`);
  return res.body;
}

/** Creates a user over HTTP. */
export const postUser = (t: StartedTestApp, body: object = {}) =>
  created(t, '/users', { email: uniqueEmail(), displayName: 'Test User', ...body });

/** Creates a task over HTTP. */
export const postTask = (t: StartedTestApp, body: object = {}) => created(t, '/tasks', { title: 'A task', ...body });

/** Records an execution of a task over HTTP. */
export const postExecution = (t: StartedTestApp, taskId: string, body: object = {}) =>
  created(t, `/tasks/${taskId}/executions`, { agentType: 'runner', ...body });

/**
 * What must never appear in an error response: SQL, constraint or index names, driver text, stacks,
 * and PostgreSQL's messages about a value (which quote the value back).
 */
export const LEAKS: readonly RegExp[] = [
  /\b(SELECT|INSERT INTO|UPDATE "|DELETE FROM|RETURNING|WHERE ")/,
  /\b(ux|ix|ck)_[a-z_]+/,
  /\b(FK|PK|UQ|REL)_[0-9a-f]{6,}/,
  /duplicate key|violates|constraint "|relation "|SQLSTATE|QueryFailedError|driverError/i,
  /\n\s+at |\.ts:\d+|node_modules|"stack"/,
  /invalid input (syntax|value)|out of range for type|syntax error at or near|value too long for type/i,
  /invalid byte sequence|malformed array literal|unterminated quoted|date\/time field value|time zone displacement/i,
];

/**
 * Asserts the status and the error shape, and that nothing internal leaks: nor any of `secrets`,
 * nor the run's canary database password.
 */
export function expectError(res: request.Response, status: number, ...secrets: string[]): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${res.text}`);
  expect(res.body).toMatchObject({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  for (const leak of LEAKS) expect(res.text).not.toMatch(leak);
  const canary = harnessCanaryPassword();
  for (const secret of canary ? [...secrets, canary] : secrets) expect(res.text).not.toContain(secret);
}

/** The names an error body gives in `fields` (a map of messages, or a list). */
export function fieldNames(body: { fields?: string[] | Record<string, string[]> }): string[] {
  return Array.isArray(body.fields) ? body.fields : Object.keys(body.fields ?? {});
}

/** Follows `links.next` from `first` to the last page; every page's body, in order. */
export async function allPages(t: StartedTestApp, first: string, most = 1_000): Promise<any[]> {
  const pages: any[] = [];
  for (let url: string | undefined = first; url; url = pages.at(-1).links.next) {
    const res = await http(t).get(url);
    if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${res.text}`);
    pages.push(res.body);
    if (pages.length > most) throw new Error(`more than ${most} pages from ${first}`);
  }
  return pages;
}
