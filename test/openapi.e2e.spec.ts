import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FILTER_OPERATORS } from '../src/database';
import { Task, TaskExecution, User } from '../src/entities';
import type { ListQueryDocs } from '../src/http/api-list-query.decorator';
import { EXECUTIONS_LIST_QUERY, TASKS_LIST_QUERY } from '../src/tasks/tasks.list-query';
import { USERS_LIST_QUERY } from '../src/users/users.list-query';
import { UUID_PATTERN } from '../src/http/uuid-param.decorator';
import { StartedTestApp } from './support/test-app';
import { http, postTask, startApiApp } from './support/api';

const GRAMMAR = ['limit', 'page', 'cursor', 'sortBy', 'withDeleted', 'onlyDeleted', 'count'];

/** A value of the right type for a filter on `field`. */
function sample(field: string, entity: Function): string {
  if (/^(id|assigneeId|parentId|taskId)$/.test(field)) return randomUUID();
  if (/At$/.test(field)) return '2026-01-01T00:00:00Z';
  if (field === 'priority') return '1';
  if (field === 'status') return entity === Task ? 'pending' : 'queued';
  return 'x';
}

/** `filter.<field>=…` using `operator` with a well-typed value. */
function filterQuery(field: string, operator: string, entity: Function): string {
  const v = encodeURIComponent(sample(field, entity));
  if (operator === '$null') return `filter.${field}=$null`;
  if (operator === '$not') return `filter.${field}=$not:${v}`;
  return `filter.${field}=${operator}:${operator === '$btw' ? `${v},${v}` : v}`;
}

describe('OpenAPI document and UI', () => {
  let t: StartedTestApp;
  let doc: any;
  let taskId: string;
  beforeAll(async () => {
    t = await startApiApp();
    taskId = (await postTask(t)).id;
    doc = (await http(t).get('/docs-json').expect(200).expect('content-type', /json/)).body;
  });
  afterAll(() => t?.close());

  const lists: Array<[string, string, ListQueryDocs, Function]> = [
    ['/users', '/users', USERS_LIST_QUERY, User],
    ['/tasks', '/tasks', TASKS_LIST_QUERY, Task],
    ['/tasks/{id}/executions', '/tasks/:id/executions', EXECUTIONS_LIST_QUERY, TaskExecution],
  ];

  it('serves an OpenAPI 3 document at /docs-json and the UI at /docs', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toContain('example API');
    expect(doc.info.description).toContain('$ilike');
    const ui = await http(t).get('/docs').expect(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('lists every route the app serves, with its method', () => {
    const router = t.app.getHttpAdapter().getInstance().router;
    const served = router.stack
      .filter((layer: any) => layer.route && !String(layer.route.path).startsWith('/docs'))
      .flatMap((layer: any) =>
        Object.keys(layer.route.methods).map((m) => `${m} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`),
      );
    const documented = Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m} ${path}`),
    );
    expect(served.length).toBeGreaterThanOrEqual(16);
    expect(documented.sort()).toEqual([...new Set(served)].sort());
  });

  it.each(lists)('documents the list grammar of GET %s with its sortable and filterable fields', (path, _r, docs) => {
    const parameters: Array<{ name: string; in: string; schema: any; description?: string }> =
      doc.paths[path].get.parameters;
    const names = parameters.filter((p) => p.in === 'query').map((p) => p.name);
    expect(names).toEqual([
      ...GRAMMAR.slice(0, 4),
      ...Object.keys(docs.filters).map((f) => `filter.${f}`),
      ...GRAMMAR.slice(4),
      ...(docs.includes?.length ? ['include'] : []),
    ]);
    const include = parameters.find((p) => p.name === 'include');
    expect(include?.schema.items.enum).toEqual(docs.includes);
    const sortBy = parameters.find((p) => p.name === 'sortBy')!;
    expect(sortBy.schema.items.enum).toEqual(docs.sortable.flatMap((f) => [`${f}:ASC`, `${f}:DESC`]));
    for (const [field, operators] of Object.entries(docs.filters)) {
      expect(parameters.find((p) => p.name === `filter.${field}`)!.description).toContain(operators.join(' '));
    }
    expect(parameters.find((p) => p.name === 'limit')!.schema).toMatchObject({ minimum: 1, maximum: 100, default: 20 });
  });

  it.each(lists)('documents for %s exactly the allow-list the server enforces', async (_path, route, docs, entity) => {
    const url = route.replace(':id', taskId);
    const status = async (query: string) => (await http(t).get(`${url}?${query}`)).status;
    for (const column of t.dataSource.getMetadata(entity).columns.map((c) => c.propertyName)) {
      expect([column, await status(`sortBy=${column}:DESC`)]).toEqual([
        column,
        docs.sortable.includes(column) ? 200 : 400,
      ]);
      const allowed = docs.filters[column] ?? [];
      for (const operator of FILTER_OPERATORS) {
        const query = filterQuery(column, operator, entity);
        expect([query, await status(query)]).toEqual([query, allowed.includes(operator) ? 200 : 400]);
      }
    }
  });

  it("answers 200 to every list example in the README's example API section", async () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## The example API'));
    const examples = [...section.matchAll(/^GET (\/\S+)/gm)].map((m) => m[1]);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const example of examples) expect([example, (await http(t).get(example)).status]).toEqual([example, 200]);
  });

  it('describes the DTOs: required fields, bounds and formats', () => {
    const { CreateUserDto, UpdateUserDto, CreateTaskDto, UpdateTaskDto, CreateExecutionDto } = doc.components.schemas;
    expect(CreateUserDto.required).toEqual(['email', 'displayName']);
    expect(CreateUserDto.properties.email).toMatchObject({ type: 'string', maxLength: 320 });
    expect(UpdateUserDto.required).toEqual(['version']);
    expect(CreateTaskDto.required).toEqual(['title']);
    expect(CreateTaskDto.properties.priority).toMatchObject({ type: 'integer', minimum: 0, maximum: 10 });
    expect(CreateTaskDto.properties.assigneeId).toMatchObject({ format: 'uuid', nullable: true });
    expect(UpdateTaskDto.required).toEqual(['version']);
    expect(CreateExecutionDto.properties.startedAt).toMatchObject({ format: 'date-time' });
    expect(doc.paths['/users'].post.responses['409'].content['application/json'].schema.$ref).toMatch(/ErrorResponse$/);
    expect(doc.paths['/users/{id}'].delete.parameters.map((p: { name: string }) => p.name)).toEqual([
      'id',
      'hard',
      'X-Actor',
      'X-Request-Id',
    ]);
    expect(CreateUserDto.properties.email.format).toBe('email');
  });

  // Regression (issue 20): the document was looser than the server (ids only `format: uuid`,
  // bodies open to unknown fields, X-Actor's rule in prose, page unbounded).
  describe('says what the server enforces', () => {
    const operations = () =>
      Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
        Object.entries<any>(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
      );

    it('every id parameter and uuid body field carries the uuid pattern (versions 1-8, nil, max)', () => {
      const ids = operations().flatMap(({ op }) => op.parameters.filter((p: any) => p.in === 'path'));
      expect(ids.length).toBeGreaterThan(10);
      for (const id of ids) expect(id.schema).toMatchObject({ format: 'uuid', pattern: UUID_PATTERN });
      const bodies = ['CreateTaskDto', 'UpdateTaskDto'].map((name) => doc.components.schemas[name]);
      for (const body of bodies) {
        for (const field of ['assigneeId', 'parentId']) expect(body.properties[field].pattern).toBe(UUID_PATTERN);
      }
    });

    it.each([
      ['123e4567-e89b-12d3-a456-426614174000', 404], // v1
      ['01890a5d-ac96-774b-bcce-b302099a8057', 404], // v7
      ['00000000-0000-0000-0000-000000000000', 404], // nil
      ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', 404], // max
      ['123e4567-e89b-02d3-a456-426614174000', 400], // version 0
      ['123e4567-e89b-42d3-c456-426614174000', 400], // variant C
    ])('the pattern and the server agree on %s (%i)', async (id, status) => {
      expect(new RegExp(UUID_PATTERN).test(id)).toBe(status === 404);
      expect((await http(t).get(`/users/${id}`)).status).toBe(status);
    });

    it('every request body is closed: additionalProperties false, and the server refuses an extra field', async () => {
      const bodies = operations().filter(({ op }) => op.requestBody);
      expect(bodies.map(({ key }) => key).sort()).toEqual([
        'PATCH /notes/{id}',
        'PATCH /tasks/{id}',
        'PATCH /users/{id}',
        'POST /notes',
        'POST /tasks',
        'POST /tasks/{id}/executions',
        'POST /users',
      ]);
      for (const { op } of bodies) {
        expect(Object.keys(op.requestBody.content)).toEqual(['application/json']);
        const name = op.requestBody.content['application/json'].schema.$ref.split('/').pop();
        expect([name, doc.components.schemas[name].additionalProperties]).toEqual([name, false]);
      }
      const res = await http(t).post('/tasks').send({ title: 'x', extra: 1 });
      expect([res.status, res.body.fields]).toEqual([400, { extra: expect.any(Array) }]);
    });

    it("documents X-Actor's rule as a pattern that accepts exactly what the middleware accepts", async () => {
      const actor = operations()[0].op.parameters.find((p: any) => p.name === 'X-Actor');
      const pattern = new RegExp(actor.schema.pattern, 'u');
      for (const value of [
        'ada',
        'Ada Lovelace',
        'é',
        'x.y_z@host:1+2-3',
        'a'.repeat(200),
        'a'.repeat(201),
        'a<b',
        'a/b',
      ]) {
        const res = await http(t).get('/health/live').set('X-Actor', value);
        expect([value, pattern.test(value), res.status]).toEqual([value, res.status === 200, res.status]);
      }
    });

    it('bounds page by what the parser takes, and offers no deletion flags on the audit trail', async () => {
      const page = doc.paths['/users'].get.parameters.find((p: any) => p.name === 'page');
      expect(page.schema).toMatchObject({ minimum: 1, maximum: 1_000_000_000 });
      expect((await http(t).get('/users?page=1000000000')).status).toBe(200);
      expect((await http(t).get('/users?page=1000000001')).status).toBe(400);
      const names = doc.paths['/audit-logs'].get.parameters.map((p: any) => p.name);
      expect(names).not.toContain('onlyDeleted');
      expect(names).not.toContain('withDeleted');
    });

    it("documents restore's 404 and 409 as the server answers them", () => {
      const { responses } = doc.paths['/users/{id}/restore'].post;
      expect(responses['409'].description).toMatch(/not deleted/);
      expect(responses['404'].description).toMatch(/live or soft-deleted/);
    });
  });

  // The hostile-input sweep is driven by this document: what it leaves out is never swept.
  it("documents the request-context headers on every operation (X-Tenant-Id, required, on /notes), and the history routes' limit and cursor", () => {
    for (const [path, operations] of Object.entries<any>(doc.paths)) {
      for (const [method, operation] of Object.entries<any>(operations)) {
        const headers = operation.parameters.filter((p: { in: string }) => p.in === 'header');
        const tenant = path.startsWith('/notes') ? ['X-Tenant-Id:required'] : [];
        expect([
          method,
          path,
          headers.map((p: { name: string; required: boolean }) => p.name + (p.required ? ':required' : '')),
        ]).toEqual([method, path, [...tenant, 'X-Actor', 'X-Request-Id']]);
      }
    }
    for (const path of ['/users/{id}/history', '/tasks/{id}/history']) {
      const { parameters, responses } = doc.paths[path].get;
      expect(parameters.filter((p: { in: string }) => p.in !== 'header').map((p: { name: string }) => p.name)).toEqual([
        'id',
        'limit',
        'cursor',
      ]);
      expect(Object.keys(responses).sort()).toEqual(['200', '400', '404', '503']);
    }
    expect(doc.paths['/audit-logs'].get.responses['200'].content['application/json'].schema.allOf[1]).toMatchObject({
      properties: { data: { items: { $ref: '#/components/schemas/AuditLogResponse' } } },
    });
  });
});
