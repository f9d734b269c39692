import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppProcess, startAppProcess } from './support/app-process';
import { EmbeddedServerProcess, startEmbeddedServerProcess, makeServerRoot } from './support/embedded-server-process';
import { getHealth, pollUntil } from './support/health-client';

describe('/health while the database server stops and starts again (the app as a process)', () => {
  let root: string;
  let dataDir: string;
  let server: EmbeddedServerProcess | undefined;
  let app: AppProcess | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    root = await makeServerRoot('nest-pg-outage-');
    dataDir = join(root, 'data');
    server = await startEmbeddedServerProcess(dataDir);
    app = startAppProcess(root, { NODE_ENV: 'test', DATABASE_URL: server.url, DB_MIGRATIONS_RUN: 'true' });
    baseUrl = `http://127.0.0.1:${await app.listening()}`;
  });

  afterAll(async () => {
    await app?.stop();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('answers 503 with the cause within 2 s, keeps serving liveness, and recovers within 5 s', async () => {
    expect((await getHealth(baseUrl)).status).toBe(200);
    const port = server!.port;

    await server!.stop();
    server = undefined;
    const stopped = performance.now();
    const down = await pollUntil(
      () => getHealth(baseUrl, '/health', 2_000),
      (a) => a.status === 503,
      {
        timeoutMs: 2_000,
        intervalMs: 20,
      },
    );
    expect(performance.now() - stopped).toBeLessThan(2_000);
    expect(down.body.status).toBe('error');
    expect(down.body.error.database).toMatchObject({ status: 'down', message: expect.any(String) });
    const refused = await pollUntil(
      () => getHealth(baseUrl),
      (a) => a.body.error?.database?.message === 'connection refused (no server listening)',
    );
    expect(refused.body.error.database).toMatchObject({ code: 'ECONNREFUSED', pool: { max: 10 } });

    const live = await getHealth(baseUrl, '/health/live');
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('ok');

    server = await startEmbeddedServerProcess(dataDir, port);
    expect(server.port).toBe(port);
    const restarted = performance.now();
    const up = await pollUntil(
      () => getHealth(baseUrl),
      (a) => a.status === 200,
      { timeoutMs: 5_000 },
    );
    expect(performance.now() - restarted).toBeLessThan(5_000);
    expect(up.body.info.database.status).toBe('up');

    expect(app!.child.exitCode).toBeNull();
    expect(app!.output()).toMatch(/database down: connection refused/);
    expect(app!.output()).toMatch(/database up again/);
    expect(app!.output()).not.toMatch(/unhandled|uncaught/i);
  });
});
