import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import { DatabaseProbe } from '../src/database/health/database.probe';
import { pollUntil } from './support/health-client';
import { APP_MIGRATION_NAMES } from './support/app-migrations';
import { openDataSource } from './support/test-data-source';
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

  it('once the migrations table is known, reads it in the same round trip as the ping', async () => {
    const dataSource = await openDataSource(db);
    const probe = DatabaseProbe.forDataSource(dataSource);
    const events: string[] = [];
    const query = Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: any[]) {
      const text: string = typeof args[0] === 'string' ? args[0] : args[0].text;
      const kind = text.includes('server_version') ? 'ping' : text.includes('to_regclass') ? 'exists' : 'migrations';
      events.push(`sent ${kind}`);
      const answer = query.apply(this, args);
      void answer.then(() => events.push(`answered ${kind}`)).catch(() => undefined);
      return answer as never;
    });
    try {
      expect((await probe.check(1_000)).migrations).toMatchObject({ applied: APP_MIGRATION_NAMES.length, pending: 0 });
      expect(events.filter((e) => e.startsWith('sent'))).toEqual(['sent ping', 'sent exists', 'sent migrations']);
      events.length = 0;
      expect((await probe.check(1_000)).migrations).toMatchObject({ applied: APP_MIGRATION_NAMES.length, pending: 0 });
      // Both written before the ping's answer came back: one round trip.
      expect(events.slice(0, 2)).toEqual(['sent ping', 'sent migrations']);
      expect(events).toHaveLength(4);
      // Should the table go away, the ping still answers, and the read falls back to telling it is missing.
      await dataSource.query('ALTER TABLE migrations RENAME TO migrations_away');
      try {
        const without = await probe.check(1_000);
        expect(without.up).toBe(true);
        expect(without.migrations).toMatchObject({ applied: 0, pending: APP_MIGRATION_NAMES.length });
      } finally {
        await dataSource.query('ALTER TABLE migrations_away RENAME TO migrations');
      }
    } finally {
      spy.mockRestore();
      await probe.close();
      await dataSource.destroy();
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
