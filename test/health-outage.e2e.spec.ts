import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppProcess, startAppProcess } from './support/app-process';
import { EmbeddedServerProcess, startEmbeddedServerProcess, makeServerRoot } from './support/embedded-server-process';
import { getHealth, pollUntil } from './support/health-client';

/** The app's `HEALTH_PING_TIMEOUT_MS`: a check ends within it, connecting included, up or down. */
const PING_TIMEOUT_MS = 1_000;
/** Slack on top of it for HTTP and scheduling on a loaded 2-core machine. */
const SLACK_MS = 10_000;
/** The longest one `/health` may take: the clients' own timeout; past it the check has no answer. */
const CHECK_BOUND_MS = PING_TIMEOUT_MS + SLACK_MS;
/**
 * How long the test waits for a state change it polls for (the cause turning into "connection
 * refused", readiness back after the restart): a few whole checks. Each check reconnects on its own,
 * so one check should do; the bound only keeps a broken reconnect from hanging the test.
 */
const CHANGE_BOUND_MS = 3 * CHECK_BOUND_MS;
/** The test's own timeout: its checks and polls at their bounds, plus 30 s for the server's restart. */
const TEST_BOUND_MS = 4 * CHECK_BOUND_MS + 2 * CHANGE_BOUND_MS + 30_000;

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
    app = startAppProcess(root, {
      NODE_ENV: 'test',
      DATABASE_URL: server.url,
      DB_MIGRATIONS_RUN: 'true',
      HEALTH_PING_TIMEOUT_MS: String(PING_TIMEOUT_MS),
    });
    baseUrl = `http://127.0.0.1:${await app.listening()}`;
  });

  afterAll(async () => {
    await app?.stop();
    await server?.stop();
    await rm(root, { recursive: true, force: true });
  });

  it(
    'answers 503 with the cause on the first check after the server stopped, keeps serving liveness, and is 200 again after it restarts',
    async () => {
      expect((await getHealth(baseUrl)).status).toBe(200);
      const port = server!.port;

      await server!.stop();
      server = undefined;
      // The server has exited: the very next check must fail (the probe pings, it never answers from a
      // cached "up"), however long that check takes on this machine.
      const down = await getHealth(baseUrl, '/health', CHECK_BOUND_MS);
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('error');
      expect(down.body.error.database).toMatchObject({ status: 'down', message: expect.any(String) });
      const refused = await pollUntil(
        () => getHealth(baseUrl, '/health', CHECK_BOUND_MS),
        (a) => a.body.error?.database?.message === 'connection refused (no server listening)',
        { timeoutMs: CHANGE_BOUND_MS },
      );
      expect(refused.status).toBe(503);
      expect(refused.body.error.database).toMatchObject({ code: 'ECONNREFUSED', pool: { max: 10 } });

      const live = await getHealth(baseUrl, '/health/live', CHECK_BOUND_MS);
      expect(live.status).toBe(200);
      expect(live.body.status).toBe('ok');

      server = await startEmbeddedServerProcess(dataDir, port);
      expect(server.port).toBe(port);
      // No restart of the app: its own checks reconnect. How fast is the machine's business.
      const up = await pollUntil(
        () => getHealth(baseUrl, '/health', CHECK_BOUND_MS),
        (a) => a.status === 200,
        { timeoutMs: CHANGE_BOUND_MS },
      );
      expect(up.body.info.database.status).toBe('up');

      expect(app!.child.exitCode).toBeNull();
      expect(app!.output()).toMatch(/database down: connection refused/);
      expect(app!.output()).toMatch(/database up again/);
      expect(app!.output()).not.toMatch(/unhandled|uncaught/i);
    },
    TEST_BOUND_MS,
  );
});
