import { PgNode, startPrimary, startStandby } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';
import { pollUntil } from '../support/health-client';
import { call, ReplicaApp, startReplicaApp } from '../support/replica-app';

const CLIENTS = 32;
/** Bounds of the load loop: it stops by itself whatever happens. */
const MAX_REQUESTS = 40_000;

/** 32 clients reading `path` in a loop until `stop()`; counts answers by status and failed fetches. */
function readLoad(baseUrl: string, path: string) {
  let stopped = false;
  const tally = { ok: 0, failed: 0, statuses: {} as Record<number, number>, errors: [] as string[] };
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (!stopped && tally.ok + tally.failed < MAX_REQUESTS) {
      try {
        const res = await fetch(`${baseUrl}${path}`);
        await res.text();
        if (res.status === 200) tally.ok++;
        else {
          tally.failed++;
          tally.statuses[res.status] = (tally.statuses[res.status] ?? 0) + 1;
        }
      } catch (error) {
        tally.failed++;
        tally.errors.push(String(error));
      }
    }
  });
  return {
    tally,
    async stop() {
      stopped = true;
      await Promise.all(clients);
      return tally;
    },
  };
}

describeWithSystem(['postgres-cluster'], 'read replicas: a replica dies or is down at startup (PG 15)', () => {
  let primary: PgNode;
  let standby: PgNode;
  let userId: string;

  beforeAll(async () => {
    primary = await startPrimary();
    standby = await startStandby(primary, { name: 'replica1' });
  });

  afterAll(async () => {
    await standby?.destroy();
    await primary?.destroy();
  });

  describe('stopped under read load from 32 clients', () => {
    let app: ReplicaApp;

    beforeAll(async () => {
      app = await startReplicaApp(primary, [standby]);
      const created = await call(app.baseUrl, 'POST', '/users', {
        body: { email: 'load@example.com', displayName: 'Load' },
      });
      userId = created.body.id;
      await standby.waitForReplay();
      await app.waitForReplicas('up');
    });

    afterAll(async () => {
      await app?.close();
    });

    it('no request fails, the replica leaves the rotation, and rejoins after restart', async () => {
      const node = app.router.nodes[0];
      const load = readLoad(app.baseUrl, `/users/${userId}`);
      // The replica is serving part of the load before it dies.
      await pollUntil(
        async () => node.reads,
        (reads) => reads > 200,
        { timeoutMs: 60_000 },
      );
      await standby.stop('immediate');
      await app.waitForReplicas('down');
      const okAtDown = load.tally.ok;
      await pollUntil(
        async () => load.tally.ok,
        (ok) => ok > okAtDown + 500,
        { timeoutMs: 60_000 },
      );
      const tally = await load.stop();
      expect(tally).toMatchObject({ failed: 0, statuses: {}, errors: [] });
      // Reads in flight on the replica, and on its dead pooled connections, ran again on the primary.
      expect(app.router.stats.retriedOnPrimary).toBeGreaterThan(0);
      const health = await app.replicaHealth();
      expect(health.httpStatus).toBe(200);
      expect(health.replicas[0]).toMatchObject({ status: 'down', cause: expect.any(String) });
      expect(health.replicas[0].name).toBe('replica-1');
      expect(JSON.stringify(health.replicas)).not.toMatch(/127\.0\.0\.1|app:app|password|:\d{4,5}/);

      await standby.start();
      await app.waitForReplicas('up');
      const before = node.reads;
      const again = await call(app.baseUrl, 'GET', `/users/${userId}`);
      expect(again.status).toBe(200);
      expect(node.reads).toBe(before + 1);
    });
  });

  describe('down when the app starts', () => {
    let app: ReplicaApp;

    afterAll(async () => {
      await app?.close();
      await standby.start().catch(() => undefined);
    });

    it('the app starts and serves from the primary, says why on /health, and picks the replica up once it answers', async () => {
      await standby.stop('fast');
      app = await startReplicaApp(primary, [standby]);
      await app.waitForReplicas('down');
      const health = await app.replicaHealth();
      expect(health).toMatchObject({ httpStatus: 200, status: 'degraded' });
      expect(health.replicas[0].cause).toMatch(/refused|unreachable|lost/);
      const node = app.router.nodes[0];
      const read = await call(app.baseUrl, 'GET', `/users/${userId}`);
      expect(read.status).toBe(200);
      expect(node.reads).toBe(0);

      await standby.start();
      await app.waitForReplicas('up');
      const after = await call(app.baseUrl, 'GET', `/users/${userId}`);
      expect(after.status).toBe(200);
      expect(node.reads).toBe(1);
      expect((await app.replicaHealth()).status).toBe('up');
    });
  });
});
