import { randomUUID } from 'node:crypto';
import { ArgumentsHost, BadRequestException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import {
  CheckViolationError,
  DatabaseExceptionFilter,
  DatabaseUnavailableError,
  EntityNotDeletedError,
  EntityNotFoundError,
  EntityValidationError,
  ForeignKeyViolationError,
  getRepositoryServiceToken,
  InvalidQueryError,
  NotNullViolationError,
  OptimisticLockError,
  QueryTimeoutError,
  RepositoryService,
  translateDatabaseError,
  UniqueViolationError,
} from '../src/database';
import { Task, User } from '../src/entities';
import { StartedTestApp } from './support/test-app';
import { expectError, fieldNames, http, postTask, postUser, sql, startApiApp } from './support/api';

/** What the filter answers for `error`, without HTTP. */
function mapped(error: unknown): { status: number; body: any; headers: Record<string, string> } {
  const out = { status: 0, body: undefined as any, headers: {} as Record<string, string> };
  const response = {
    status: (s: number) => ((out.status = s), response),
    setHeader: (name: string, value: string) => (out.headers[name.toLowerCase()] = value),
    json: (b: unknown) => (out.body = b),
  };
  new DatabaseExceptionFilter().catch(error, {
    switchToHttp: () => ({ getResponse: () => response }),
  } as unknown as ArgumentsHost);
  return out;
}

describe('error responses', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t?.close());

  describe('bodies the validation pipe refuses before any DTO logic (400)', () => {
    const post = (body: string, type = 'application/json') =>
      http(t).post('/tasks').set('content-type', type).send(body);

    // Regression (found by the OpenAPI-driven sweep): these 400s named no field, and JSON.parse's
    // message quoted the body back.
    it.each(['{"title": ', '{"title":"SELECT 1"}}', 'null', '"x"', "{'title':1}"])(
      'malformed JSON or no object (%s): 400 naming the body, quoting nothing back',
      async (body) => {
        const res = await post(body);
        expectError(res, 400);
        expect(res.body).toEqual({
          statusCode: 400,
          error: 'Bad Request',
          message: 'body: must be a JSON object',
          fields: ['body'],
        });
      },
    );

    // Regression (found by the soak sweep): an extra field named "" was reported as `body`.
    it('an extra field with an empty name is named, not taken for the body', async () => {
      const res = await post('{"title":"x","":1}');
      expectError(res, 400);
      expect(res.body.fields).toEqual({ '': ['is not a field of this body'] });
      expect(res.body.message).toBe('"": is not a field of this body');
    });

    // Regression (found by the sweep): `1e400` parses to Infinity, which JSON.stringify stores as null.
    it('a number out of JSON range inside a JSON field is a 400 naming it, not stored as null', async () => {
      const before = await sql(t, 'SELECT count(*)::int AS n FROM tasks');
      const res = await post('{"title":"x","requirements":{"gpu":{"memory":1e400}}}');
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual(['requirements.gpu.memory']);
      expectError(await post('{"title":"x","priority":-1e400}'), 400);
      expect(await sql(t, 'SELECT count(*)::int AS n FROM tasks')).toEqual(before);
    });

    it('a JSON array instead of an object', async () => {
      const res = await post('[{"title":"x"}]');
      expectError(res, 400);
      expect(fieldNames(res.body)).toEqual(['body']);
    });

    it('nesting 5000 levels deep (would overflow class-transformer), naming the field', async () => {
      const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
      const res = await post(`{"title":"x","requirements":${deep}}`);
      expectError(res, 400);
      expect(fieldNames(res.body)[0]).toMatch(/^requirements\.a\.a/);
    });

    it.each([
      '{"__proto__":{"x":1},"title":"x"}',
      '{"constructor":{"prototype":{}},"title":"x"}',
      '{"title":"x","requirements":{"__proto__":{"admin":true}}}',
    ])('a reserved key: %s', async (body) => {
      const res = await post(body);
      expectError(res, 400);
      expect(Object.values(res.body.fields)).toEqual([['is a reserved name']]);
    });

    it('a body over 100 kB (413)', async () => {
      const tooLarge = await post(JSON.stringify({ title: 'x', description: 'd'.repeat(200_000) }));
      expectError(tooLarge, 413);
      expect(fieldNames(tooLarge.body)).toEqual(['body']);
    });
  });

  // Regression (issue 20): a form-encoded POST created rows (`requirements[a][b]=1` stored as an
  // object), and an HTML form on any site can send one without a CORS preflight.
  describe('bodies that are not JSON (415 naming Content-Type, nothing written)', () => {
    const send = (method: string, path: string, body?: string | FormData, type?: string) =>
      fetch(`${t.baseUrl}${path}`, { method, body, headers: type ? { 'content-type': type } : {} });
    const expect415 = async (res: Response) => {
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(await res.json()).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'Content-Type: a request body must be application/json',
        fields: ['Content-Type'],
      });
    };
    const tasksTitled = async (title: string) => sql(t, 'SELECT id FROM tasks WHERE title = $1', [title]);

    it.each([
      ['application/x-www-form-urlencoded', 'title=form-%s&requirements[a][b]=1'],
      ['application/x-www-form-urlencoded; charset=utf-8', 'title=form-%s'],
      ['text/plain', 'title=form-%s'],
      ['text/plain;charset=UTF-8', '{"title":"form-%s"}'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="title"\r\n\r\nform-%s\r\n--x--\r\n',
      ],
      ['application/jsonx', '{"title":"form-%s"}'],
      ['application/xml', '<title>form-%s</title>'],
      [undefined, '{"title":"form-%s"}'], // fetch labels a bare string text/plain
    ])('POST /tasks with %s: 415 and no row', async (type, template) => {
      const title = `form-${randomUUID()}`;
      const res = await send('POST', '/tasks', template.replace('form-%s', title), type);
      await expect415(res);
      expect(await tasksTitled(title)).toEqual([]);
    });

    it('a FormData POST to /users (what an HTML form sends): 415, no user', async () => {
      const email = `form-${randomUUID()}@example.com`;
      const form = new FormData();
      form.set('email', email);
      form.set('displayName', 'Form');
      await expect415(await send('POST', '/users', form));
      expect(await sql(t, 'SELECT id FROM users WHERE email = $1', [email])).toEqual([]);
    });

    it('PATCH with a form body: 415, the row unchanged', async () => {
      const task = await postTask(t);
      await expect415(
        await send('PATCH', `/tasks/${task.id}`, 'version=1&title=changed', 'application/x-www-form-urlencoded'),
      );
      expect((await sql(t, 'SELECT title, version FROM tasks WHERE id = $1', [task.id]))[0]).toEqual({
        title: task.title,
        version: 1,
      });
    });

    it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])(
      'JSON (%s) still creates the row',
      async (type) => {
        const title = `json-${randomUUID()}`;
        const res = await send('POST', '/tasks', JSON.stringify({ title }), type);
        expect(res.status).toBe(201);
        expect(await tasksTitled(title)).toEqual([{ id: ((await res.json()) as { id: string }).id }]);
      },
    );

    it('requests without a body are unaffected: GET, DELETE, POST …/restore', async () => {
      const task = await postTask(t);
      expect((await send('GET', `/tasks/${task.id}`)).status).toBe(200);
      expect((await send('DELETE', `/tasks/${task.id}`)).status).toBe(204);
      const restored = await fetch(`${t.baseUrl}/tasks/${task.id}/restore`, { method: 'POST' });
      expect(restored.status).toBe(200);
      expect((await sql(t, 'SELECT deleted_at FROM tasks WHERE id = $1', [task.id]))[0].deleted_at).toBeNull();
    });
  });

  describe('through HTTP', () => {
    // Regression (found by the sweep): Express' "Failed to decode param '%ZZ'" named no field.
    it.each(['/users/%ZZ', '/tasks/%E0%A4%A/history', '/tasks/%C0%AF/executions'])(
      'a path that is not percent-encoded UTF-8 (%s): 400 naming the path',
      async (path) => {
        const res = await http(t).get(path);
        expectError(res, 400);
        expect(res.body).toMatchObject({ message: 'path: is not valid percent-encoded UTF-8', fields: ['path'] });
      },
    );

    it('404 for an unknown route or method, in the same JSON shape', async () => {
      expectError(await http(t).get('/nope'), 404);
      expectError(await http(t).put(`/users/${randomUUID()}`).send({}), 404);
    });

    it('409 for a foreign key to nothing names the field, never the constraint or the value', async () => {
      const missing = randomUUID();
      const res = await http(t).post('/tasks').send({ title: 'x', assigneeId: missing });
      expectError(res, 409, missing, 'FK_', 'foreign key constraint');
      expect(res.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: expect.any(String),
        fields: ['assigneeId'],
      });
    });

    it('503 when a statement times out (a row held locked past DB_STATEMENT_TIMEOUT_MS), and nothing changes', async () => {
      const slow = await startApiApp({ DB_STATEMENT_TIMEOUT_MS: '300' }, t.db);
      const user = await postUser(t);
      const runner = t.dataSource.createQueryRunner();
      try {
        await runner.connect();
        await runner.startTransaction();
        await runner.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
        const res = await http(slow).patch(`/users/${user.id}`).send({ displayName: 'Blocked', version: 1 });
        expectError(res, 503, 'statement timeout', 'canceling');
        await http(slow).get(`/users/${user.id}`).expect(200);
      } finally {
        await runner.rollbackTransaction().catch(() => undefined);
        await runner.release();
        await slow.close();
      }
      expect((await sql(t, 'SELECT display_name, version FROM users WHERE id = $1', [user.id]))[0]).toEqual({
        display_name: user.displayName,
        version: 1,
      });
    });
  });

  describe('the data layer behind the API', () => {
    // Regression: validator.js threw a URIError on an unpaired surrogate and it escaped validation (fixed in EntityInput).
    it('refuses an email with an unpaired surrogate as an EntityValidationError', async () => {
      const users = t.app.get<RepositoryService<User>>(getRepositoryServiceToken(User), { strict: false });
      const error = await users.create({ email: 'a\uD800@example.com', displayName: 'X' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EntityValidationError);
      expect(mapped(error).status).toBe(400);
    });
  });

  describe('the mapping of every typed error (DatabaseExceptionFilter without HTTP)', () => {
    it.each(
      (
        [
          [EntityNotFoundError.byId('User', 'x'), 404],
          [EntityNotDeletedError.byId('User', 'x'), 409],
          [UniqueViolationError.onColumns('User', ['email']), 409],
          [ForeignKeyViolationError.onColumns('Task', ['assigneeId']), 409],
          [OptimisticLockError.versionMismatch('User', 'x', 1, 2), 409],
          [NotNullViolationError.onColumn('Task', 'title'), 422],
          [CheckViolationError.onConstraint('Task', ['priority']), 422],
          [EntityValidationError.field('Task', 'title', 'must be a string'), 400],
          [new InvalidQueryError('filter.x', 'this field cannot be filtered'), 400],
          [QueryTimeoutError.cancelled(), 503],
          [DatabaseUnavailableError.because('connection lost'), 503],
        ] as const
      ).map(([error, status]) => [error.name, status, error] as const),
    )('%s → %i', (_name, status, error) => {
      const { status: answered, body, headers } = mapped(error);
      expect(answered).toBe(status);
      expect(body).toMatchObject({ statusCode: status, message: error.message });
      expect(headers['retry-after']).toBe(status === 503 ? '1' : undefined); // temporary: try again later
      expect(fieldNames(body)).toEqual([...error.fields]);
    });

    it('422 for real check and not-null violations, naming the fields but not the constraint', async () => {
      const task = await postTask(t);
      const metadata = t.dataSource.getMetadata(Task);
      const failures = [
        await sql(t, 'UPDATE tasks SET priority = 11 WHERE id = $1', [task.id]).catch((e: unknown) => e),
        await sql(t, 'INSERT INTO tasks (title) VALUES (NULL)').catch((e: unknown) => e),
      ];
      const bodies = failures.map((failure) => {
        expect(failure).toBeInstanceOf(QueryFailedError);
        const { status, body } = mapped(translateDatabaseError(failure, metadata));
        expect(status).toBe(422);
        expect(JSON.stringify(body)).not.toMatch(/ck_tasks_priority|violates|UPDATE|INSERT/);
        return body;
      });
      expect(bodies.map(fieldNames)).toEqual([['priority'], ['title']]);
      expect(mapped(failures[0]).status).toBe(422); // an untranslated QueryFailedError maps the same way
    });

    it('503 for a real statement timeout and for a lost connection (SQLSTATE class 08)', async () => {
      const timeout = await t.dataSource
        .transaction(async (m) => {
          await m.query("SET LOCAL statement_timeout = '10ms'");
          await m.query('SELECT pg_sleep(1)');
        })
        .catch((e: unknown) => e);
      expect(mapped(timeout).status).toBe(503);
      const lost = new QueryFailedError('SELECT 1', [], Object.assign(new Error('terminated'), { code: '08006' }));
      expect(mapped(lost)).toMatchObject({ status: 503, body: { message: expect.not.stringContaining('SELECT') } });
    });

    it('a 500 says nothing but "internal error"; an HTTP exception keeps its status and fields', () => {
      const secret = new Error('password=hunter2 at SELECT * FROM users');
      expect(mapped(secret)).toEqual({
        status: 500,
        body: { statusCode: 500, error: 'Internal Server Error', message: 'internal error' },
        headers: {},
      });
      const http400 = new BadRequestException({ message: 'title: too long', fields: { title: ['too long'] } });
      expect(mapped(http400).body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'title: too long',
        fields: { title: ['too long'] },
      });
    });
  });
});
