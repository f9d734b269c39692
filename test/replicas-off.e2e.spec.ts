import { READ_REPLICAS } from '../src/database/replicas/read-replicas.providers';
import { getHealth } from './support/health-client';
import { call } from './support/replica-app';
import { createTestApp, StartedTestApp } from './support/test-app';

describe('without read replicas (the default)', () => {
  let app: StartedTestApp;

  beforeAll(async () => {
    app = await createTestApp().withDatabase().start();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('no router, no consistency token, no replicas on /health or /metrics', async () => {
    expect(app.app.get(READ_REPLICAS)).toBeNull();
    const created = await call(app.baseUrl, 'POST', '/users', {
      body: { email: 'solo@example.com', displayName: 'Solo' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-consistency-token')).toBeNull();
    // No interceptor reads the header: a token (even a malformed one) changes nothing.
    const read = await call(app.baseUrl, 'GET', `/users/${created.body.id}`, {
      headers: { 'X-Consistency-Token': 'nonsense' },
    });
    expect(read.status).toBe(200);
    const health = await getHealth(app.baseUrl);
    expect(health.status).toBe(200);
    expect(Object.keys(health.body.details)).toEqual(['database', 'migrations']);
    const metrics = await getHealth(app.baseUrl, '/metrics');
    expect(metrics.body as string).not.toContain('db_replica_');
  });
});
