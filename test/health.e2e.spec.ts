import request from 'supertest';
import { createTestApp, StartedTestApp } from './support/test-app';

describe('GET /health (real app over HTTP)', () => {
  let t: StartedTestApp;
  beforeAll(async () => {
    t = await createTestApp().withDatabase().start();
  });
  afterAll(() => t?.close());

  it('answers 200 in Terminus format with the database up', async () => {
    const res = await request(t.baseUrl).get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } }, error: {} });
  });

  it('serves liveness without touching the database', async () => {
    const res = await request(t.baseUrl).get('/health/live').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: {}, error: {} });
  });
});
