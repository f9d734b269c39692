import { DatabaseService, DatabaseUnavailableError } from '../src/database';
import { getHealth } from './support/health-client';
import { createTestApp, StartedTestApp } from './support/test-app';

const SLOW_MS = 200;
const SLEEP_MS = 300;

describe('statement figures in DatabaseService.getStats() and GET /health (real app, real server)', () => {
  let t: StartedTestApp;
  let db: DatabaseService;
  beforeAll(async () => {
    t = await createTestApp()
      .withEnv({ DB_SLOW_QUERY_MS: String(SLOW_MS) })
      .start();
    db = t.app.get(DatabaseService);
  });
  afterAll(() => t?.close());

  it('counts statements, failures, slow ones and connection failures; averages them; p99 covers the slow one', async () => {
    const before = db.getStats().statements;
    for (let i = 0; i < 5; i++) await db.query('SELECT $1::int AS n', [i]);
    await expect(db.query('SELECT 1 / 0')).rejects.toMatchObject({ name: expect.any(String) });
    await db.query(`SELECT pg_sleep(${SLEEP_MS / 1000})`);
    // The server ends the statement's own session: a statement that lost its connection (57P01).
    await expect(db.query('SELECT pg_terminate_backend(pg_backend_pid())')).rejects.toBeInstanceOf(
      DatabaseUnavailableError,
    );

    const after = db.getStats().statements;
    expect(after.total - before.total).toBe(8);
    expect(after.failed - before.failed).toBe(2);
    expect(after.slow - before.slow).toBe(1);
    expect(after.connectionErrors - before.connectionErrors).toBe(1);
    expect(after.successRate).toBe((after.total - after.failed) / after.total);
    expect(after.successRate).toBeLessThan(1);
    expect(after.total).toBeLessThan(100); // so p99 is the longest statement
    expect(after.maxMs).toBeGreaterThanOrEqual(SLEEP_MS);
    expect(after.p99Ms).toBeGreaterThanOrEqual(SLEEP_MS);
    expect(after.p99Ms).toBeLessThanOrEqual(after.maxMs);
    // the sleep alone is SLEEP_MS / total of the average
    expect(after.avgMs).toBeGreaterThanOrEqual(SLEEP_MS / after.total);
    // the same figures as the executor's counters
    expect(db.getStats().queries).toMatchObject({ statements: after.total, failed: after.failed });
  });

  it('GET /health shows them in the database details', async () => {
    const stats = db.getStats().statements;
    const { status, body } = await getHealth(t.baseUrl);
    expect(status).toBe(200);
    const { statements, connectionErrors } = body.info.database;
    // /health runs its ping on a connection of its own: the statement figures do not move.
    expect(statements).toEqual({
      total: stats.total,
      failed: stats.failed,
      successRate: Number(stats.successRate.toFixed(4)),
      avgMs: Number(stats.avgMs.toFixed(2)),
      p99Ms: Number(stats.p99Ms.toFixed(2)),
      slow: stats.slow,
    });
    expect(statements.p99Ms).toBeGreaterThanOrEqual(SLEEP_MS);
    expect(connectionErrors).toBe(stats.connectionErrors);
  });

  it('still tells the observer set with observeQueries about every statement', async () => {
    const seen: string[] = [];
    db.observeQueries({ onStatement: (_name, text) => seen.push(text) });
    try {
      const total = db.getStats().statements.total;
      await db.query('SELECT 42 AS answer');
      expect(seen).toEqual(['SELECT 42 AS answer']);
      expect(db.getStats().statements.total).toBe(total + 1);
    } finally {
      db.observeQueries(undefined);
    }
  });
});
