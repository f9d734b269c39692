import { Injectable } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { appDatabaseModuleOptions } from '../src/app.data-source';
import {
  DatabaseModule,
  DatabaseService,
  InjectRepositoryService,
  Propagation,
  ReadOnlyTransactionError,
  RepositoryService,
  runAsTenant,
  UniqueViolationError,
} from '../src/database';
import { User } from '../src/entities';
import { createTestDatabase, TestDatabase } from './support/test-database';

@Injectable()
class Users {
  constructor(@InjectRepositoryService(User) readonly users: RepositoryService<User>) {}
}

/** What went over the wire of one client: its writes, and its round trips (ReadyForQuery messages). */
interface Wire {
  readonly writes: number;
  readonly roundTrips: number;
  stop(): void;
}

function watch(client: PoolClient): { writes: number; roundTrips: number; stop(): void } {
  const connection = (client as unknown as { connection: NodeJS.EventEmitter & { stream: { write: Function } } })
    .connection;
  const stream = connection.stream;
  const write = stream.write;
  const wire = {
    writes: 0,
    roundTrips: 0,
    stop: () => {
      stream.write = write;
      connection.removeListener('readyForQuery', onReady);
    },
  };
  const onReady = () => wire.roundTrips++;
  stream.write = function (this: unknown, ...args: unknown[]) {
    wire.writes++;
    return write.apply(this, args);
  };
  connection.on('readyForQuery', onReady);
  return wire;
}

describe('transactions: BEGIN goes with the first statement', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let tx: DatabaseService;
  let users: RepositoryService<User>;
  let dataSource: DataSource;
  const usersNamed = async (email: string) =>
    Number((await dataSource.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email]))[0].n);
  /** Every client of the DataSource's pool (pg's own list), the transaction's among them: nothing else runs meanwhile. */
  const watchPool = (): Wire => {
    const clients = (dataSource.driver as unknown as { master: { _clients: PoolClient[] } }).master._clients;
    const wires = clients.map(watch);
    return {
      get writes() {
        return wires.reduce((sum, w) => sum + w.writes, 0);
      },
      get roundTrips() {
        return wires.reduce((sum, w) => sum + w.roundTrips, 0);
      },
      stop: () => wires.forEach((w) => w.stop()),
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot(appDatabaseModuleOptions({ ...db.env, DB_POOL_MAX: '4' })),
        DatabaseModule.forFeature([User]),
      ],
      providers: [Users],
    }).compile();
    await moduleRef.init();
    tx = moduleRef.get(DatabaseService);
    dataSource = moduleRef.get(DataSource);
    users = moduleRef.get(Users).users;
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  it('three repository statements take four round trips, all in one transaction (same xid and now())', async () => {
    let wire: Wire | undefined;
    const seen = await tx.transaction(async () => {
      wire = watchPool();
      const first = await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, now() AS at, $1::int AS n', [1]);
      const created = await users.create({ email: 'rt@pipeline.example.com', displayName: 'RT' });
      const last = await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, now() AS at, $1::int AS n', [3]);
      return { first, last, created };
    });
    wire!.stop();
    expect(wire!.roundTrips).toBe(4);
    expect(seen.first!.xid).toBe(seen.last!.xid);
    expect(seen.first!.at).toEqual(seen.last!.at);
    expect(await usersNamed('rt@pipeline.example.com')).toBe(1);
  });

  it('a transaction that runs no statement sends nothing: no BEGIN, no COMMIT; its client stays usable', async () => {
    let wire: Wire | undefined;
    let hooked = false;
    await tx.transaction(async () => {
      wire = watchPool();
      tx.onCommit(() => (hooked = true));
    });
    wire!.stop();
    expect(wire!.writes).toBe(0);
    expect(wire!.roundTrips).toBe(0);
    expect(hooked).toBe(true);
    // The next transactions on the same clients begin normally.
    const xids = await Promise.all(
      [1, 2, 3, 4].map(() =>
        tx.transaction(async () => {
          const a = await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, $1::int AS n', [1]);
          const b = await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, $1::int AS n', [2]);
          return [a!.xid, b!.xid];
        }),
      ),
    );
    for (const [a, b] of xids) expect(a).toBe(b);
  });

  it('a first-statement insert rolled back is not visible (BEGIN preceded it)', async () => {
    await expect(
      tx.transaction(async () => {
        await users.create({ email: 'first@pipeline.example.com', displayName: 'F' });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await usersNamed('first@pipeline.example.com')).toBe(0);
  });

  it.each([
    ['a repository statement', () => users.create({ email: 'p1@pipeline.example.com', displayName: 'P' })],
    [
      'raw SQL with bound values',
      () => tx.execute(`INSERT INTO users (email, display_name) VALUES ($1, 'P')`, ['p2@pipeline.example.com']),
    ],
    [
      'raw SQL without values (sent after BEGIN, not with it)',
      () => tx.execute(`INSERT INTO users (email, display_name) VALUES ('p3@pipeline.example.com', 'P')`),
    ],
    [
      'TypeORM code',
      () =>
        dataSource.manager.query(`INSERT INTO users (email, display_name) VALUES ($1, 'P')`, [
          'p4@pipeline.example.com',
        ]),
    ],
    ['a COPY', () => users.createMany([{ email: 'p5@pipeline.example.com', displayName: 'P' }], { returning: false })],
  ])('%s as the first statement is inside the transaction: rolled back with it', async (_, write) => {
    await expect(
      tx.transaction(async () => {
        await write();
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    const left = await dataSource.query(
      `SELECT count(*)::int AS n FROM users WHERE email LIKE 'p_@pipeline.example.com'`,
    );
    expect(left[0].n).toBe(0);
  });

  it('a stream as the first statement reads inside the transaction', async () => {
    const seen = await tx.transaction(
      async () => {
        const rows: User[] = [];
        for await (const user of users.stream({ filter: { email: 'nobody@pipeline.example.com' } })) rows.push(user);
        return { rows, level: await tx.queryOne('SELECT current_setting($1) AS level', ['transaction_isolation']) };
      },
      { isolationLevel: 'SERIALIZABLE' },
    );
    expect(seen).toEqual({ rows: [], level: { level: 'serializable' } });
  });

  it('the isolation level, READ ONLY and statement_timeout hold for the first statement', async () => {
    const first = await tx.transaction(
      () =>
        tx.queryOne('SELECT current_setting($1) AS level, current_setting($2) AS ro, current_setting($3) AS timeout', [
          'transaction_isolation',
          'transaction_read_only',
          'statement_timeout',
        ]),
      { isolationLevel: 'REPEATABLE READ', readOnly: true, timeoutMs: 4321 },
    );
    expect(first).toEqual({ level: 'repeatable read', ro: 'on', timeout: '4321ms' });
    // And through TypeORM's runner as the first statement.
    const typeorm = await tx.transaction(
      () => dataSource.manager.query('SELECT current_setting($1) AS level', ['transaction_isolation']),
      {
        isolationLevel: 'SERIALIZABLE',
      },
    );
    expect(typeorm).toEqual([{ level: 'serializable' }]);
  });

  it('READ ONLY refuses a first-statement write: ReadOnlyTransactionError, nothing written', async () => {
    const error = await tx
      .transaction(() => users.create({ email: 'ro@pipeline.example.com', displayName: 'RO' }), { readOnly: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReadOnlyTransactionError);
    expect(await usersNamed('ro@pipeline.example.com')).toBe(0);
  });

  it('the tenant in context is set for the first statement, and only for the transaction', async () => {
    const seen = await runAsTenant('tenant-pipeline', () =>
      tx.transaction(() => tx.queryOne('SELECT current_setting($1, true) AS tenant', ['app.tenant_id'])),
    );
    expect(seen).toEqual({ tenant: 'tenant-pipeline' });
    const after = await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'`,
    );
    expect(after[0].n).toBe(0);
  });

  it('a failing first statement aborts the transaction as before: the error, a rollback, a usable pool', async () => {
    await users.create({ email: 'dup@pipeline.example.com', displayName: 'D' });
    const error = await tx
      .transaction(async () => {
        await users.create({ email: 'dup@pipeline.example.com', displayName: 'D' });
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueViolationError);
    const xids = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        tx.transaction(async () => [
          (await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, $1::int AS n', [1]))!.xid,
          (await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, $1::int AS n', [2]))!.xid,
        ]),
      ),
    );
    for (const [a, b] of xids) expect(a).toBe(b);
    expect(await usersNamed('dup@pipeline.example.com')).toBe(1);
  });

  it('a first statement whose value pg cannot send fails alone; the transaction rolls back and the client stays usable', async () => {
    const unsendable = {
      toPostgres() {
        throw new Error('cannot be sent');
      },
    };
    await expect(
      tx.transaction(() => tx.execute(`INSERT INTO users (email, display_name) VALUES ($1, 'U')`, [unsendable])),
    ).rejects.toThrow('cannot be sent');
    const xids = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        tx.transaction(async () => {
          await users.create({ email: `u${i}@pipeline.example.com`, displayName: 'U' });
          return [
            (await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, $1::int AS n', [1]))!.xid,
            (await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, $1::int AS n', [2]))!.xid,
          ];
        }),
      ),
    );
    for (const [a, b] of xids) expect(a).toBe(b);
    expect(
      Number(
        (await dataSource.query(`SELECT count(*)::int AS n FROM users WHERE email LIKE 'u_@pipeline.example.com'`))[0]
          .n,
      ),
    ).toBe(4);
  });

  it('first statements issued at once are all inside the one transaction', async () => {
    const xids = await tx.transaction(() =>
      Promise.all(
        [1, 2, 3].map(
          async (n) => (await tx.queryOne('SELECT pg_current_xact_id()::text AS xid, $1::int AS n', [n]))!.xid,
        ),
      ),
    );
    expect(new Set(xids).size).toBe(1);
  });

  it('a NESTED savepoint as the first statement rolls back with the outer transaction', async () => {
    await expect(
      tx.transaction(async () => {
        await tx.transaction(() => users.create({ email: 'nested@pipeline.example.com', displayName: 'N' }), {
          propagation: Propagation.Nested,
        });
        throw new Error('undo outer');
      }),
    ).rejects.toThrow('undo outer');
    expect(await usersNamed('nested@pipeline.example.com')).toBe(0);
  });
});
