import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { DatabaseProbe } from '../src/database';
import { pollUntil } from './support/health-client';
import { createTestDatabase, HARNESS_ENV, TestDatabase, withAdminClient } from './support/test-database';

const adminUrl = () => process.env[HARNESS_ENV.adminUrl]!;

describe('DatabaseProbe (the health connection)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('against a server that accepts but never answers: down on time, and the socket is closed', async () => {
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // reads and ignores the startup message, so the client's close is seen
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as AddressInfo;
    const probe = new DatabaseProbe({ host: '127.0.0.1', port, user: 'nobody', password: 'x', database: 'none' });
    try {
      const result = await probe.check(300);
      expect(result.up).toBe(false);
      expect(result.failure!.cause).toMatch(/^timeout after 300 ms \((connecting|the server did not answer)\)$/);
      await pollUntil(
        async () => sockets.size,
        (n) => n === 0,
      );
    } finally {
      await probe.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });

  it('reconnects by itself after its session is killed', async () => {
    const application = `probe-${randomBytes(3).toString('hex')}:health`;
    const probe = new DatabaseProbe({ connectionString: db.url, application_name: application });
    const sessions = () =>
      withAdminClient(adminUrl(), (c) =>
        c.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [application]),
      ).then((r) => r.rows.map((row) => row.pid as number));
    try {
      expect((await probe.check(1_000)).up).toBe(true);
      const [before] = await sessions();
      await withAdminClient(adminUrl(), (c) => c.query('SELECT pg_terminate_backend($1)', [before]));
      const result = await pollUntil(
        () => probe.check(1_000),
        (r) => r.up,
      );
      expect(result.serverVersion).toMatch(/^\d+/);
      const after = await sessions();
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(before);
    } finally {
      await probe.close();
    }
  });

  it('shares one round between concurrent checks', async () => {
    const probe = new DatabaseProbe({ connectionString: db.url });
    try {
      const results = await Promise.all([probe.check(1_000), probe.check(1_000), probe.check(1_000)]);
      expect(results[0].up).toBe(true);
      expect(results[1]).toBe(results[0]);
      expect(results[2]).toBe(results[0]);
    } finally {
      await probe.close();
    }
  });

  it('says "too many connections" when the server has no slot for it (53300)', async () => {
    const role = `probe_limited_${randomBytes(3).toString('hex')}`;
    await withAdminClient(adminUrl(), (c) =>
      c.query(`CREATE ROLE ${role} LOGIN PASSWORD 'limited' CONNECTION LIMIT 0`),
    );
    const url = new URL(db.url);
    const probe = new DatabaseProbe({
      host: url.hostname,
      port: Number(url.port),
      database: db.name,
      user: role,
      password: 'limited',
    });
    try {
      const result = await probe.check(1_000);
      expect(result).toMatchObject({
        up: false,
        failure: { cause: 'too many connections (the server has no free connection slot)', code: '53300' },
      });
    } finally {
      await probe.close();
      await withAdminClient(adminUrl(), (c) => c.query(`DROP ROLE ${role}`));
    }
  });

  it('answers down once closed', async () => {
    const probe = new DatabaseProbe({ connectionString: db.url });
    await probe.close();
    expect(await probe.check(1_000)).toMatchObject({ up: false, failure: { cause: 'shutting down' } });
  });
});
