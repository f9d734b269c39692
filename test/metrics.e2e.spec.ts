import { randomUUID } from 'node:crypto';
import { DatabaseService, getRepositoryServiceToken, RepositoryService } from '../src/database';
import { User } from '../src/entities';
import { getHealth } from './support/health-client';
import { parsePrometheusText, Sample, sampleValue } from './support/prometheus-text';
import { createTestApp, StartedTestApp } from './support/test-app';

async function scrape(t: StartedTestApp): Promise<Sample[]> {
  const res = await fetch(`${t.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe('GET /metrics (real app over HTTP)', () => {
  let t: StartedTestApp;
  let db: DatabaseService;
  beforeAll(async () => {
    t = await createTestApp().withDatabase().withEnv({ DB_POOL_MAX: '7' }).start();
    db = t.app.get(DatabaseService);
  });
  afterAll(() => t?.close());

  it('checks with a strict parser (it rejects what is not Prometheus text)', () => {
    expect(parsePrometheusText('# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 2\n')).toEqual([
      { name: 'a_total', labels: { x: '1' }, value: 2 },
    ]);
    expect(parsePrometheusText('a Nan\nb_bucket{le="+Inf"} 3\nc -Inf\nd 1.5e-3').map((s) => s.value)).toEqual([
      NaN,
      3,
      -Infinity,
      0.0015,
    ]);
    for (const bad of [
      'a_total 1 2 3',
      'a-b 1',
      'a{x=1} 1',
      'a{x="1"}',
      'a one',
      '# TYPE a nonsense',
      '{"status":"ok"}',
    ]) {
      expect(() => parsePrometheusText(bad)).toThrow(/line 1/);
    }
  });

  it('parses as Prometheus text, with Node process metrics too', async () => {
    const samples = await scrape(t);
    expect(samples.length).toBeGreaterThan(20);
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(names).toContain(name);
    }
  });

  it('has pool gauges that match the pool', async () => {
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 2'), db.query('SELECT 3')]);
    const samples = await scrape(t);
    const { pool } = db.getStats();
    expect(pool.total).toBeGreaterThan(0);
    expect(sampleValue(samples, 'db_pool_connections')).toBe(pool.total);
    expect(sampleValue(samples, 'db_pool_idle_connections')).toBe(pool.idle);
    expect(sampleValue(samples, 'db_pool_waiting_clients')).toBe(pool.waiting);
    expect(sampleValue(samples, 'db_pool_max_connections')).toBe(7);
    expect(sampleValue(samples, 'db_pool_saturated')).toBe(0);
    expect(sampleValue(samples, 'db_connection_ready')).toBe(1);
    expect(sampleValue(samples, 'db_connection_attempts')).toBe(1);
  });

  it('times statements by operation and entity, and counts failures by SQLSTATE class', async () => {
    const users = t.app.get<RepositoryService<User>>(getRepositoryServiceToken(User));
    const before = await scrape(t);
    const findById = { operation: 'findById', entity: 'users', outcome: 'ok' };
    const adHoc = { operation: 'select', entity: '', outcome: 'ok' };
    const failed = { operation: 'select', entity: '', outcome: 'error' };
    const list = { operation: 'list', entity: 'users', outcome: 'ok' };
    const counted = { operation: 'count', entity: 'users', outcome: 'ok' };
    const count = (samples: Sample[], labels: Record<string, string>) =>
      sampleValue(samples, 'db_query_duration_seconds_count', labels) ?? 0;

    await users.findById(randomUUID());
    await users.findById(randomUUID());
    await db.query('SELECT 1');
    await expect(db.query('SELECT 1 / 0')).rejects.toThrow();
    await users.paginate({ page: 1, limit: 5 }); // a page and its count, as prepared list statements

    const after = await scrape(t);
    expect(count(after, findById) - count(before, findById)).toBe(2);
    expect(count(after, adHoc) - count(before, adHoc)).toBe(1);
    expect(count(after, failed) - count(before, failed)).toBe(1);
    expect(count(after, list) - count(before, list)).toBe(1);
    expect(count(after, counted) - count(before, counted)).toBe(1);
    expect(sampleValue(after, 'db_query_duration_seconds_bucket', { ...findById, le: '+Inf' })).toBe(
      count(after, findById),
    );
    expect(sampleValue(after, 'db_query_errors_total', { sqlstate_class: '22' })).toBe(
      db.getStats().queries.failedBySqlStateClass['22'],
    );
    expect(db.getStats().queries.failedBySqlStateClass['22']).toBeGreaterThanOrEqual(1);
  });

  it('counts transactions and their retries by SQLSTATE', async () => {
    let attempts = 0;
    await db.transaction(
      async () => {
        attempts++;
        if (attempts === 1) {
          await db.query(`DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$`);
        }
      },
      { retries: 1 },
    );
    const samples = await scrape(t);
    const { transactions } = db.getStats();
    expect(transactions.retriesBySqlState['40001']).toBe(1);
    expect(sampleValue(samples, 'db_transaction_retries_total', { sqlstate: '40001' })).toBe(1);
    expect(sampleValue(samples, 'db_transaction_retries_total', { sqlstate: '40P01' })).toBe(0);
    expect(sampleValue(samples, 'db_transactions_total', { outcome: 'committed' })).toBe(transactions.committed);
    expect(sampleValue(samples, 'db_transactions_total', { outcome: 'rolled_back' })).toBe(transactions.rolledBack);
  });

  it('reports reachability, migrations and health check durations', async () => {
    await getHealth(t.baseUrl);
    const samples = await scrape(t);
    const [applied] = await t.dataSource.query('SELECT count(*)::int AS n FROM migrations');
    expect(sampleValue(samples, 'db_up')).toBe(1);
    expect(sampleValue(samples, 'db_migrations_applied')).toBe(applied.n);
    expect(sampleValue(samples, 'db_migrations_pending')).toBe(0);
    const checks = { check: 'database', status: 'up' };
    expect(sampleValue(samples, 'db_health_check_duration_seconds_count', checks)).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(samples, 'db_health_check_duration_seconds_count', { check: 'migrations' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('keeps each application its own registry: two apps in one process do not collide', async () => {
    const other = await createTestApp().withDatabase().start();
    try {
      await other.app.get(DatabaseService).query('SELECT 1');
      const [mine, theirs] = await Promise.all([scrape(t), scrape(other)]);
      expect(sampleValue(theirs, 'db_pool_max_connections')).toBe(10);
      expect(sampleValue(mine, 'db_pool_max_connections')).toBe(7);
    } finally {
      await other.close();
    }
  });
});
