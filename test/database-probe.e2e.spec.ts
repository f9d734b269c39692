import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import { HEALTH_APPLICATION_NAME_SUFFIX } from '../src/database/database.constants';
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

  it('once the migrations table is known, sends one statement per check: its read is the ping', async () => {
    const dataSource = await openDataSource(db);
    const probe = DatabaseProbe.forDataSource(dataSource);
    const sent: string[] = [];
    const query = Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: any[]) {
      const text: string = typeof args[0] === 'string' ? args[0] : args[0].text;
      const kind = text.includes('to_regclass') ? 'exists' : text.includes('FROM "migrations"') ? 'migrations' : 'ping';
      sent.push(kind);
      return query.apply(this, args) as never;
    });
    try {
      const [server] = await dataSource.query(`SELECT current_setting('server_version') AS version`);
      sent.length = 0;
      const first = await probe.check(1_000);
      expect(first).toMatchObject({ up: true, serverVersion: server.version });
      expect(first.migrations).toMatchObject({ applied: APP_MIGRATION_NAMES.length, pending: 0 });
      // The first check finds the table, reads it, and asks whether the server takes writes.
      expect(sent).toEqual(['exists', 'migrations', 'ping']);
      sent.length = 0;
      for (let i = 0; i < 3; i++) {
        const next = await probe.check(1_000);
        expect(next).toMatchObject({ up: true, serverVersion: server.version });
        expect(next.migrations).toMatchObject({ applied: APP_MIGRATION_NAMES.length, pending: 0 });
      }
      expect(sent).toEqual(['migrations', 'migrations', 'migrations']);
      // Should the table go away, the check still answers up, and the read falls back to telling it is missing.
      await dataSource.query('ALTER TABLE migrations RENAME TO migrations_away');
      try {
        sent.length = 0;
        const without = await probe.check(1_000);
        expect(without.up).toBe(true);
        expect(without.migrations).toMatchObject({ applied: 0, pending: APP_MIGRATION_NAMES.length });
        expect(sent).toEqual(['migrations', 'exists', 'ping']);
      } finally {
        await dataSource.query('ALTER TABLE migrations_away RENAME TO migrations');
      }
    } finally {
      spy.mockRestore();
      await probe.close();
      await dataSource.destroy();
    }
  });

  it('prepares its one statement once per session: each later check only executes it, table renames included', async () => {
    const dataSource = await openDataSource(db);
    const probe = DatabaseProbe.forDataSource(dataSource);
    const sessions = new Set<Client>();
    const query = Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: any[]) {
      const name: string | undefined = (this as any).connectionParameters?.application_name;
      if (name?.endsWith(HEALTH_APPLICATION_NAME_SUFFIX)) sessions.add(this);
      return query.apply(this, args) as never;
    });
    // What the server holds for the probe's own session: its prepared statements and how often each ran.
    const prepared = async () => {
      const sql = `SELECT name, statement, generic_plans + custom_plans AS runs FROM pg_prepared_statements`;
      expect(sessions.size).toBe(1);
      const { rows } = (await query.call([...sessions][0], sql)) as { rows: Array<Record<string, string>> };
      return new Map(rows.map((r) => [r.statement, { name: r.name, runs: Number(r.runs) }]));
    };
    const steady = (statements: Map<string, { name: string; runs: number }>) =>
      [...statements].find(([text]) => text.includes('AS read_only, id, name'))?.[1];
    try {
      for (let i = 0; i < 4; i++) {
        expect((await probe.check(1_000)).migrations).toMatchObject({ applied: APP_MIGRATION_NAMES.length });
      }
      const statements = await prepared();
      for (const { name } of statements.values()) expect(name).toMatch(/^nest_pg_health_\d+$/);
      // The first check read the table apart; the three after it executed the one statement it was parsed into.
      expect(steady(statements)).toMatchObject({ runs: 3 });
      // The server re-plans it when the table changes under it: gone (up, migrations unknown), then back.
      await dataSource.query('ALTER TABLE migrations RENAME TO migrations_away');
      try {
        expect(await probe.check(1_000)).toMatchObject({ up: true, migrations: { applied: 0 } });
      } finally {
        await dataSource.query('ALTER TABLE migrations_away RENAME TO migrations');
      }
      expect((await probe.check(1_000)).migrations).toMatchObject({ applied: APP_MIGRATION_NAMES.length });
      const before = steady(await prepared())!;
      expect((await probe.check(1_000)).migrations).toMatchObject({ applied: APP_MIGRATION_NAMES.length, pending: 0 });
      expect(steady(await prepared())).toEqual({ name: before.name, runs: before.runs + 1 });
    } finally {
      spy.mockRestore();
      await probe.close();
      await dataSource.destroy();
    }
  });

  it('without migrations to count, pings with one statement and reports the version the server started the session with', async () => {
    const probe = new DatabaseProbe({ connectionString: db.url });
    const sent: string[] = [];
    const query = Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: any[]) {
      sent.push(typeof args[0] === 'string' ? args[0] : args[0].text);
      return query.apply(this, args) as never;
    });
    try {
      const results = [await probe.check(1_000), await probe.check(1_000)];
      spy.mockRestore();
      const version = await withAdminClient(adminUrl(), (c) =>
        c.query(`SELECT current_setting('server_version') AS v`),
      );
      for (const result of results) expect(result).toMatchObject({ up: true, serverVersion: version.rows[0].v });
      expect(sent).toHaveLength(2);
      for (const text of sent) expect(text).toMatch(/^SELECT pg_is_in_recovery\(\)/);
    } finally {
      spy.mockRestore();
      await probe.close();
    }
  });

  it("bounds the session's statements on the server: statement_timeout at the check's bound, lock_timeout at half", async () => {
    const probe = new DatabaseProbe({ connectionString: db.url });
    const seen: string[] = [];
    const query = Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
    // The ping (a prepared statement, named) asks the probe's session for its own settings instead.
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: any[]) {
      if (args[0]?.name && args[0].text.startsWith('SELECT pg_is_in_recovery()')) {
        args[0] = {
          name: args[0].name,
          text: `SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`,
        };
        const answer = query.apply(this, args) as Promise<{ rows: Array<{ s: string; l: string }> }>;
        void answer.then((r) => seen.push(`${r.rows[0].s} ${r.rows[0].l}`));
        return answer as never;
      }
      return query.apply(this, args) as never;
    });
    try {
      expect((await probe.check(800)).up).toBe(true);
      expect((await probe.check(600)).up).toBe(true); // a different bound: the session follows it
      expect(seen).toEqual(['800ms 400ms', '600ms 300ms']);
    } finally {
      spy.mockRestore();
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
