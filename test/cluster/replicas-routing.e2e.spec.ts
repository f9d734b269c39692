import { DatabaseService, readFromPrimary, RepositoryService, withReadYourWrites } from '../../src/database';
import { getRepositoryServiceToken } from '../../src/database';
import { Task, TaskExecution, User } from '../../src/entities';
import { PgNode, startPrimary, startStandby } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';
import { Client } from 'pg';
import { getHealth } from '../support/health-client';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text';
import { call, ReplicaApp, startReplicaApp } from '../support/replica-app';

const STANDBY_SQL = 'SELECT pg_is_in_recovery() AS standby';

/** A user's display name as `node` has it (database app, read directly). */
async function nameOn(node: PgNode, id: string): Promise<string | undefined> {
  const client = new Client({ connectionString: node.url() });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT display_name FROM users WHERE id = $1', [id]);
    return rows[0]?.display_name;
  } finally {
    await client.end();
  }
}

describeWithSystem(
  ['postgres-cluster'],
  'read replicas: routing, lag, read-your-writes (PG 15 primary + standby)',
  () => {
    let primary: PgNode;
    let standby: PgNode;
    let app: ReplicaApp;
    let users: RepositoryService<User>;
    let db: DatabaseService;

    const standbyOfRead = async () =>
      (await app.context.executor.readText<{ standby: boolean }>(STANDBY_SQL, [])).rows[0].standby;

    beforeAll(async () => {
      primary = await startPrimary();
      standby = await startStandby(primary, { name: 'replica1' });
      app = await startReplicaApp(primary, [standby], { DB_REPLICA_MAX_LAG_MS: '1500' });
      users = app.app.get(getRepositoryServiceToken(User));
      db = app.app.get(DatabaseService);
      await app.waitForReplicas('up');
    });

    afterAll(async () => {
      await app?.close();
      await standby?.destroy();
      await primary?.destroy();
    });

    it('reads outside transactions run on the replica; raw SQL, transactions and { primary: true } on the primary', async () => {
      expect(await standbyOfRead()).toBe(true);
      expect((await db.query<{ standby: boolean }>(STANDBY_SQL))[0].standby).toBe(false);
      expect(await db.transaction(standbyOfRead)).toBe(false);
      expect(await readFromPrimary(standbyOfRead)).toBe(false);
      // The app's pooled connections are on the standby too (its application_name).
      const sessions = await standby.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'nest-pg-database' AND datname = 'app'",
      );
      expect(sessions[0].n).toBeGreaterThan(0);
    });

    it('a write goes to the primary and its response carries a consistency token; RepositoryService and TypeORM reads reach the replica', async () => {
      const created = await call(app.baseUrl, 'POST', '/users', {
        body: { email: 'ada@example.com', displayName: 'Ada' },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('x-consistency-token')).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(await nameOn(primary, created.body.id)).toBe('Ada');
      await standby.waitForReplay();
      const node = app.router.nodes[0];
      const before = node.reads;
      expect((await users.findById(created.body.id))?.displayName).toBe('Ada');
      expect(await users.count({ email: 'ada@example.com' })).toBe(1);
      expect((await users.find({ where: { email: 'ada@example.com' } })).length).toBe(1);
      expect((await users.paginate({ limit: 5 })).data.length).toBeGreaterThan(0);
      const streamed: User[] = [];
      for await (const user of users.stream()) streamed.push(user);
      expect(streamed.length).toBeGreaterThan(0);
      // findById, count (TypeORM), find (TypeORM), paginate (rows and count), stream: each on the replica.
      expect(node.reads - before).toBeGreaterThanOrEqual(6);
      // A GET (a read only) carries no token.
      const read = await call(app.baseUrl, 'GET', `/users/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.headers.get('x-consistency-token')).toBeNull();
    });

    it('replay paused: writes are seen in the same request and with the token; past the lag bound reads move to the primary; resumed, they return', async () => {
      const created = await call(app.baseUrl, 'POST', '/users', {
        body: { email: 'grace@example.com', displayName: 'v1' },
      });
      const id = created.body.id as string;
      await standby.waitForReplay();
      await standby.pauseReplay();

      // Within one request: the read after the write sees it (the replica cannot have it).
      const rw = await call(app.baseUrl, 'POST', `/rw/${id}`, { body: { displayName: 'v2' } });
      expect(rw.body).toEqual({ displayName: 'v2' });
      const token = rw.headers.get('x-consistency-token');
      expect(token).toBeTruthy();
      // The replica has not replayed the write: the stale value is all it has.
      expect(await nameOn(standby, id)).toBe('v1');

      // A later request presenting the token is served by the primary until the replica has replayed it.
      const withToken = await call(app.baseUrl, 'GET', `/users/${id}`, { headers: { 'X-Consistency-Token': token! } });
      expect(withToken.body.displayName).toBe('v2');

      // A job outside HTTP: withReadYourWrites gives the same guarantee.
      await withReadYourWrites(async () => {
        await users.update(id, { displayName: 'v3' });
        expect((await users.findById(id))?.displayName).toBe('v3');
      });

      // Past DB_REPLICA_MAX_LAG_MS the replica leaves the rotation and says why; readiness stays 200.
      await app.waitForReplicas('lagging');
      const health = await app.replicaHealth();
      expect(health.httpStatus).toBe(200);
      expect(health.status).toBe('degraded');
      expect(health.replicas[0]).toMatchObject({
        status: 'lagging',
        cause: expect.stringContaining('DB_REPLICA_MAX_LAG_MS'),
      });
      expect(health.replicas[0].lagBytes).toBeGreaterThan(0);
      expect(health.replicas[0].lagMs).toBeGreaterThan(1500);
      expect(await standbyOfRead()).toBe(false);
      expect((await call(app.baseUrl, 'GET', `/users/${id}`)).body.displayName).toBe('v3');

      await standby.resumeReplay();
      await app.waitForReplicas('up');
      expect(await standbyOfRead()).toBe(true);
      const again = await call(app.baseUrl, 'GET', `/users/${id}`, { headers: { 'X-Consistency-Token': token! } });
      expect(again.body.displayName).toBe('v3');
    });

    it('in a unit of work, a stream read on the primary is not a write; a TypeORM save is, and later reads go to the primary', async () => {
      await withReadYourWrites(async () => {
        for await (const user of users.stream({}, { primary: true })) {
          expect(user).toBeInstanceOf(User);
          break;
        }
        expect(await standbyOfRead()).toBe(true);
        await users.repository.save(users.repository.create({ email: 'typeorm@example.com', displayName: 'T' }));
        expect(await standbyOfRead()).toBe(false);
      });
      // Outside that unit nothing is remembered.
      expect(await standbyOfRead()).toBe(true);
    });

    it('reads with include (one statement with the relations) reach the replica too, or the primary with { primary: true }', async () => {
      const tasks = app.app.get<RepositoryService<Task>>(getRepositoryServiceToken(Task));
      const created = await call(app.baseUrl, 'POST', '/tasks', { body: { title: 'with executions' } });
      expect(created.status).toBe(201);
      await standby.waitForReplay();
      const node = app.router.nodes[0];
      const before = node.reads;
      expect((await tasks.findById(created.body.id, { include: 'executions' }))?.executions).toEqual([]);
      expect((await tasks.find({ where: { id: created.body.id }, include: 'executions' })).length).toBe(1);
      expect(node.reads - before).toBe(2);
      await tasks.findById(created.body.id, { include: 'executions', primary: true });
      expect(node.reads - before).toBe(2);
    });

    it('reads with include whose replica connection is lost run again on the primary: relations read as entities, a cursor page its keys', async () => {
      const tasks = app.app.get<RepositoryService<Task>>(getRepositoryServiceToken(Task));
      const executions = app.app.get<RepositoryService<TaskExecution>>(getRepositoryServiceToken(TaskExecution));
      const older = await tasks.create({ title: 'read again on the primary, older' });
      const task = await tasks.create({ title: 'read again on the primary' });
      await executions.create({ taskId: task.id, agentType: 'retried' });
      await standby.waitForReplay();
      const firstPage = () => tasks.paginate({ limit: 1, sortBy: 'createdAt:DESC', cursor: '', include: 'executions' });
      // On every connection of the replica's pool at once: each keeps the statements' columns, so the
      // next execution there asks for its column parsers as it is sent, before the server answers.
      const node = app.router.nodes[0];
      const max = node.pool.options.max!;
      const reads = node.reads;
      const found = await Promise.all(
        Array.from({ length: max }, () => tasks.findById(task.id, { include: 'executions' })),
      );
      const pages = await Promise.all(Array.from({ length: max }, firstPage));
      for (const one of found) expect(one?.executions).toHaveLength(1);
      for (const page of pages) expect(page.data.map((t) => t.id)).toEqual([task.id]);
      expect(node.reads).toBe(reads + 2 * max);
      // The pool's backends on the standby are stopped (SIGSTOP): the next read there is sent and
      // waits. Each is then terminated, and resumed to act on it: the read's connection is lost.
      const watcher = new Client({ connectionString: standby.url('postgres', 'app') });
      await watcher.connect();
      const { rows: backends } = await watcher.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'nest-pg-database' AND datname = 'app'",
      );
      expect(backends).toHaveLength(max);
      try {
        for (const { pid } of backends) process.kill(pid, 'SIGSTOP');
        const retried = app.router.stats.retriedOnPrimary;
        const read = tasks.findById(task.id, { include: 'executions' });
        const paged = firstPage();
        expect(node.reads).toBe(reads + 2 * max + 2);
        for (const { pid } of backends) await watcher.query('SELECT pg_terminate_backend($1)', [pid]);
        for (const { pid } of backends) process.kill(pid, 'SIGCONT');
        const [again, page] = await Promise.all([read, paged]);
        expect(app.router.stats.retriedOnPrimary).toBe(retried + 2);
        for (const executions of [again?.executions, page.data[0]?.executions]) {
          expect(executions).toHaveLength(1);
          expect(executions![0]).toBeInstanceOf(TaskExecution);
          expect(executions![0]).toMatchObject({ taskId: task.id, agentType: 'retried', createdAt: expect.any(Date) });
        }
        // The next cursor holds the keys of the rows the primary sent: it leads to the older task.
        const cursor = new URL(page.links.next!, 'http://x').searchParams.get('cursor')!;
        const next = await tasks.paginate({ limit: 1, sortBy: 'createdAt:DESC', cursor, include: 'executions' });
        expect(next.data.map((t) => t.id)).toEqual([older.id]);
      } finally {
        for (const { pid } of backends) {
          try {
            process.kill(pid, 'SIGCONT');
          } catch {
            // already gone
          }
        }
        await watcher.end();
      }
      // The lost connection took the replica out of the rotation; its checks bring it back.
      await app.waitForReplicas('up');
    });

    it('a read a standby refuses (it locks: 25006) runs on the primary, and the replica stays in the rotation', async () => {
      const retried = app.router.stats.retriedOnPrimary;
      const { rows } = await app.context.executor.readText<{ standby: boolean }>(
        'SELECT pg_is_in_recovery() AS standby FROM users LIMIT 1 FOR UPDATE',
        [],
      );
      expect(rows[0].standby).toBe(false);
      expect(app.router.stats.retriedOnPrimary).toBe(retried + 1);
      expect(app.router.states()[0].status).toBe('up');
    });

    it('a malformed consistency token is a 400 naming the header', async () => {
      const answer = await call(app.baseUrl, 'GET', '/users', {
        headers: { 'X-Consistency-Token': "0/1'; DROP TABLE users" },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.fields).toEqual(['X-Consistency-Token']);
      expect(JSON.stringify(answer.body)).not.toContain('DROP');
    });

    it("/metrics shows each replica's lag, state and the reads routed", async () => {
      const { body } = await getHealth(app.baseUrl, '/metrics');
      const samples = parsePrometheusText(body as string);
      const replica = app.router.nodes[0].name;
      expect(sampleValue(samples, 'db_replica_state', { replica, state: 'up' })).toBe(1);
      expect(sampleValue(samples, 'db_replica_state', { replica, state: 'down' })).toBe(0);
      expect(sampleValue(samples, 'db_replica_lag_seconds', { replica })).toBeGreaterThanOrEqual(0);
      expect(sampleValue(samples, 'db_replica_lag_bytes', { replica })).toBeGreaterThanOrEqual(0);
      expect(sampleValue(samples, 'db_replica_reads_total', { target: replica })).toBeGreaterThan(0);
      expect(sampleValue(samples, 'db_replica_reads_total', { target: 'primary' })).toBeGreaterThan(0);
    });
  },
);
