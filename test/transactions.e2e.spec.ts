import { Injectable, Module } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { InjectRepository } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource, Repository } from 'typeorm';
import { appDatabaseModuleOptions } from '../src/app.data-source';
import {
  DatabaseModule,
  DatabaseService,
  DatabaseUnavailableError,
  InjectRepositoryService,
  Propagation,
  QueryTimeoutError,
  ReadOnlyTransactionError,
  RepositoryService,
  Transactional,
  TransactionOutcomeUnknownError,
  TransactionPropagationError,
} from '../src/database';
import { SystemConfig, User } from '../src/entities';
import { pollUntil } from './support/health-client';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** Resolves `all` once `n` callers have arrived; later arrivals pass at once. */
function barrier(n: number): { arrive: () => Promise<void>; all: Promise<void> } {
  let arrived = 0;
  let open!: () => void;
  const all = new Promise<void>((resolve) => (open = resolve));
  return {
    all,
    arrive: () => {
      if (++arrived === n) open();
      return all;
    },
  };
}

@Injectable()
class AuditWriter {
  constructor(@InjectRepository(SystemConfig) readonly config: Repository<SystemConfig>) {}

  @Transactional()
  async note(key: string): Promise<void> {
    await this.config.save({ key, value: 'noted' });
  }
}

@Injectable()
class Registration {
  constructor(
    @InjectRepositoryService(User) readonly users: RepositoryService<User>,
    readonly audit: AuditWriter,
  ) {}

  @Transactional()
  async register(email: string, fail: boolean): Promise<void> {
    await this.users.create({ email, displayName: 'R' });
    await this.audit.note(`registered:${email}`);
    if (fail) throw new Error('rejected after both writes');
  }
}

@Module({
  imports: [DatabaseModule.forFeature([User, SystemConfig])],
  providers: [AuditWriter, Registration],
})
class FeatureModule {}

describe('transactions', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let tx: DatabaseService;
  let users: RepositoryService<User>;
  let dataSource: DataSource;
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await dataSource.query(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      // A generous pool wait: 50 concurrent transactions share 12 connections on a loaded CI machine.
      imports: [
        DatabaseModule.forRoot(
          appDatabaseModuleOptions({ ...db.env, DB_POOL_MAX: '12', DB_CONNECT_TIMEOUT_MS: '60000' }),
        ),
        FeatureModule,
      ],
    }).compile();
    await moduleRef.init();
    tx = moduleRef.get(DatabaseService);
    dataSource = moduleRef.get(DataSource);
    users = moduleRef.get(Registration).users;
  });
  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  const users_ = (email: string) => count(`users WHERE email = $1`, [email]);

  it('commits everything the callback did, through every path into the database', async () => {
    await tx.transaction(async () => {
      await users.create({ email: 'c1@example.com', displayName: 'a' });
      await dataSource.manager.getRepository(SystemConfig).save({ key: 'c1', value: 1 });
      await tx.execute(`INSERT INTO users (email, display_name) VALUES ($1, 'raw')`, ['c2@example.com']);
      expect(tx.inTransaction).toBe(true);
    });
    expect(await users_('c1@example.com')).toBe(1);
    expect(await users_('c2@example.com')).toBe(1);
    expect(await count(`system_config WHERE key = 'c1'`)).toBe(1);
    expect(tx.inTransaction).toBe(false);
  });

  it('rolls everything back on an error and rethrows the original error', async () => {
    const boom = new Error('boom');
    const error = await tx
      .transaction(async () => {
        await users.create({ email: 'r1@example.com', displayName: 'a' });
        await dataSource.getRepository(SystemConfig).save({ key: 'r1', value: 1 });
        await tx.query(`INSERT INTO users (email, display_name) VALUES ($1, 'raw')`, ['r2@example.com']);
        expect(await tx.queryOne('SELECT count(*)::int AS n FROM users WHERE email = $1', ['r1@example.com'])).toEqual({
          n: 1,
        });
        throw boom;
      })
      .catch((e) => e);
    expect(error).toBe(boom);
    expect(await users_('r1@example.com')).toBe(0);
    expect(await users_('r2@example.com')).toBe(0);
    expect(await count(`system_config WHERE key = 'r1'`)).toBe(0);
  });

  it('two services calling each other inside one @Transactional() share it: a rollback undoes both', async () => {
    const registration = moduleRef.get(Registration);
    await expect(registration.register('both@example.com', true)).rejects.toThrow('rejected after both writes');
    expect(await users_('both@example.com')).toBe(0);
    expect(await count(`system_config WHERE key = 'registered:both@example.com'`)).toBe(0);
    await registration.register('both@example.com', false);
    expect(await users_('both@example.com')).toBe(1);
    expect(await count(`system_config WHERE key = 'registered:both@example.com'`)).toBe(1);
  });

  it('NESTED rolls back to its savepoint and keeps the outer work', async () => {
    await tx.transaction(async () => {
      await users.create({ email: 'outer@example.com', displayName: 'a' });
      await tx
        .transaction(
          async () => {
            await users.create({ email: 'inner@example.com', displayName: 'a' });
            throw new Error('inner fails');
          },
          { propagation: Propagation.Nested },
        )
        .catch(() => undefined);
      await users.create({ email: 'after@example.com', displayName: 'a' });
    });
    expect(await users_('outer@example.com')).toBe(1);
    expect(await users_('inner@example.com')).toBe(0);
    expect(await users_('after@example.com')).toBe(1);
  });

  it('REQUIRES_NEW commits independently of an outer rollback', async () => {
    await tx
      .transaction(async () => {
        await users.create({ email: 'doomed-outer@example.com', displayName: 'a' });
        await tx.transaction(() => users.create({ email: 'independent@example.com', displayName: 'a' }), {
          propagation: Propagation.RequiresNew,
        });
        throw new Error('outer fails');
      })
      .catch(() => undefined);
    expect(await users_('doomed-outer@example.com')).toBe(0);
    expect(await users_('independent@example.com')).toBe(1);
  });

  it('MANDATORY needs a transaction; NEVER refuses one', async () => {
    await expect(tx.transaction(async () => 1, { propagation: Propagation.Mandatory })).rejects.toBeInstanceOf(
      TransactionPropagationError,
    );
    await expect(
      tx.transaction(() => tx.transaction(async () => 1, { propagation: Propagation.Mandatory })),
    ).resolves.toBe(1);
    await expect(tx.transaction(async () => 2, { propagation: Propagation.Never })).resolves.toBe(2);
    await expect(
      tx.transaction(() => tx.transaction(async () => 1, { propagation: Propagation.Never })),
    ).rejects.toBeInstanceOf(TransactionPropagationError);
  });

  it('onCommit runs after commit, never after a rollback, and drops hooks of a rolled-back savepoint', async () => {
    const ran: string[] = [];
    await tx.transaction(async () => {
      tx.onCommit(() => ran.push(`committed:${tx.inTransaction}`));
      await tx
        .transaction(
          async () => {
            tx.onCommit(() => ran.push('nested-rolled-back'));
            throw new Error('x');
          },
          { propagation: Propagation.Nested },
        )
        .catch(() => undefined);
      expect(ran).toEqual([]);
    });
    await tx
      .transaction(async () => {
        tx.onCommit(() => ran.push('rolled-back'));
        throw new Error('no');
      })
      .catch(() => undefined);
    expect(ran).toEqual(['committed:false']);
  });

  it('readOnly transactions reject writes on the server: ReadOnlyTransactionError (a bug, 500), not retried', async () => {
    let attempts = 0;
    const retries = tx.getStats().transactions.retries;
    const error = await tx
      .transaction(
        () => {
          attempts++;
          return users.create({ email: 'ro@example.com', displayName: 'a' });
        },
        { readOnly: true },
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(ReadOnlyTransactionError);
    expect(attempts).toBe(1);
    expect(tx.getStats().transactions.retries).toBe(retries);
    expect(await users_('ro@example.com')).toBe(0);
  });

  describe('a write refused by a read-only server (25006: a standby, or a primary demoted mid-failover)', () => {
    // `SET TRANSACTION READ ONLY` inside the callback makes this session refuse writes as a hot standby does
    // (same SQLSTATE, same message), while the transaction was opened read-write.
    it('drops that connection (never back in the pool), retries on a new one, and the work lands exactly once', async () => {
      let attempts = 0;
      let refused: any;
      const before = tx.getStats().transactions.retriesBySqlState['25006'] ?? 0;
      await tx.transaction(async () => {
        attempts++;
        if (attempts === 1) {
          refused = (dataSource.manager as any).queryRunner.databaseConnection;
          await tx.query('SET TRANSACTION READ ONLY');
        }
        await users.create({ email: 'standby@example.com', displayName: 'a' });
      });
      expect(attempts).toBe(2);
      expect(await users_('standby@example.com')).toBe(1);
      expect(tx.getStats().transactions.retriesBySqlState['25006']).toBe(before + 1);
      const pool = (dataSource.driver as any).master;
      expect(refused).toBeDefined();
      expect(pool._clients).not.toContain(refused);
      expect(refused._ending).toBe(true);
    });

    it('past its retries: DatabaseUnavailableError (503), nothing written, every refused connection dropped', async () => {
      const refused: any[] = [];
      const error = await tx
        .transaction(
          async () => {
            refused.push((dataSource.manager as any).queryRunner.databaseConnection);
            await tx.query('SET TRANSACTION READ ONLY');
            await users.create({ email: 'standby-long@example.com', displayName: 'a' });
          },
          { retries: 2 },
        )
        .catch((e) => e);
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(error.message).toMatch(/takes no writes/);
      expect(refused).toHaveLength(3);
      expect(new Set(refused).size).toBe(3);
      const pool = (dataSource.driver as any).master;
      for (const client of refused) expect(pool._clients).not.toContain(client);
      expect(await users_('standby-long@example.com')).toBe(0);
    });
  });

  it('timeoutMs cancels the statement on the server', async () => {
    const error = await tx.transaction(() => tx.query('SELECT pg_sleep(10)'), { timeoutMs: 200 }).catch((e) => e);
    expect(error).toBeInstanceOf(QueryTimeoutError);
    const sleeping = await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(10)%'`,
    );
    expect(sleeping[0].n).toBe(0);
  });

  describe('a connection terminated mid-way', () => {
    const killOwnBackend = async () => {
      const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await admin.end();
    };

    it('rolls back (no retries asked), the pool stays usable, the next transaction succeeds', async () => {
      const error = await tx
        .transaction(
          async () => {
            await users.create({ email: 'killed@example.com', displayName: 'a' });
            await killOwnBackend();
            await users.create({ email: 'killed2@example.com', displayName: 'a' });
          },
          { retries: 0 },
        )
        .catch((e) => e);
      expect(error).toBeInstanceOf(Error);
      expect(await users_('killed@example.com')).toBe(0);
      await tx.transaction(() => users.create({ email: 'next@example.com', displayName: 'a' }));
      expect(await users_('next@example.com')).toBe(1);
    });

    it('is retried when lost before COMMIT: the work lands exactly once', async () => {
      let attempts = 0;
      const before = tx.getStats().transactions.retries;
      await tx.transaction(async () => {
        attempts++;
        await users.create({ email: 'retried@example.com', displayName: 'a' });
        if (attempts === 1) await killOwnBackend();
        await tx.query('SELECT 1');
      });
      expect(attempts).toBe(2);
      expect(await users_('retried@example.com')).toBe(1);
      expect(tx.getStats().transactions.retries).toBe(before + 1);
    });

    it('lost during COMMIT is TransactionOutcomeUnknownError, not retried; the dead client leaves the pool', async () => {
      let attempts = 0;
      let client: any;
      const error = await tx
        .transaction(async () => {
          attempts++;
          await users.create({ email: 'unknown@example.com', displayName: 'a' });
          const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          client = (dataSource.manager as any).queryRunner.databaseConnection;
          const original = client.query.bind(client);
          client.query = async (...args: any[]) => {
            if (args[0] === 'COMMIT') {
              const admin = new Client({ connectionString: db.url });
              await admin.connect();
              await admin.query('SELECT pg_terminate_backend($1)', [pid]);
              await admin.end();
            }
            return original(...args);
          };
        })
        .catch((e) => e);
      expect(error).toBeInstanceOf(TransactionOutcomeUnknownError);
      expect(attempts).toBe(1);
      // Released with the error, so the pool destroyed it instead of handing it to the next caller.
      const pool = (dataSource.driver as any).master;
      expect(pool._clients).not.toContain(client);
      await Promise.all(Array.from({ length: 12 }, () => tx.query('SELECT 1')));
    });

    it('a client whose connection was reported lost never goes back to the pool, even before its socket closes', async () => {
      // The server's FATAL 57P01 arrives before the socket's end: released plainly, the client would
      // look healthy to the pool and fail whoever got it next.
      let client: any;
      const error = await tx
        .transaction(async () => {
          await tx.query('SELECT 1');
          client = (dataSource.manager as any).queryRunner.databaseConnection;
          const original = client.query.bind(client);
          client.query = (...args: any[]) => {
            if (args[0] !== 'COMMIT') return original(...args);
            client.query = original;
            const lost = Object.assign(new Error('terminating connection due to administrator command'), {
              code: '57P01',
            });
            // pg's two forms: a callback (the module's COMMIT uses it), else a promise.
            const callback = args.find((a) => typeof a === 'function');
            if (!callback) return Promise.reject(lost);
            process.nextTick(callback, lost);
          };
        })
        .catch((e) => e);
      expect(error).toBeInstanceOf(TransactionOutcomeUnknownError);
      expect((dataSource.driver as any).master._clients).not.toContain(client);
    });
  });

  describe('retries under contention', () => {
    const ACCOUNTS = 8;
    beforeAll(async () => {
      for (let i = 0; i < ACCOUNTS; i++)
        await dataSource.query(`INSERT INTO system_config (key, value) VALUES ($1, '100')`, [`acct:${i}`]);
    });
    const total = async () =>
      Number(
        (
          await dataSource.query(
            `SELECT sum((value #>> '{}')::int)::int AS s FROM system_config WHERE key LIKE 'acct:%'`,
          )
        )[0].s,
      );

    it('50 concurrent SERIALIZABLE transfers all succeed and the total holds exactly', async () => {
      const before = tx.getStats().transactions;
      const transfer = (i: number) =>
        tx.transaction(
          async () => {
            const from = `acct:${i % ACCOUNTS}`;
            const to = `acct:${(i * 3 + 1) % ACCOUNTS}`;
            const rows = await tx.query<{ key: string; n: number }>(
              `SELECT key, (value #>> '{}')::int AS n FROM system_config WHERE key = ANY($1)`,
              [[from, to]],
            );
            const balance = Object.fromEntries(rows.map((r) => [r.key, r.n]));
            await tx.execute(`UPDATE system_config SET value = to_jsonb($2::int) WHERE key = $1`, [
              from,
              balance[from] - 7,
            ]);
            await tx.execute(`UPDATE system_config SET value = to_jsonb($2::int) WHERE key = $1`, [
              to,
              balance[to] + 7,
            ]);
          },
          { isolationLevel: 'SERIALIZABLE', retries: 50 },
        );
      await Promise.all(Array.from({ length: 50 }, (_, i) => transfer(i)));
      expect(await total()).toBe(ACCOUNTS * 100);
      const after = tx.getStats().transactions;
      expect(after.retries).toBeGreaterThan(before.retries);
      expect(after.retriesBySqlState['40001']).toBeGreaterThan(0);
    });

    it('a provoked deadlock is retried and both transactions succeed', async () => {
      // No timers: each step waits for the state the previous one must produce, so the cycle forms
      // however slow the machine. `waiter` locks acct:0, `closer` acct:1; once both hold their
      // first row, `waiter` asks for acct:1 and blocks on `closer` (pg_locks shows it); only then
      // does `closer` ask for acct:0, which closes the cycle the server must break (40P01).
      const both = barrier(2);
      let closeCycle!: () => void;
      const waiterBlocked = new Promise<void>((resolve) => (closeCycle = resolve));
      const pids: Record<'waiter' | 'closer', number[]> = { waiter: [], closer: [] };
      let attempts = 0;
      const lockInOrder = (role: 'waiter' | 'closer', first: string, second: string) =>
        tx.transaction(async () => {
          attempts++;
          const [{ pid }] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          pids[role].push(pid);
          await tx.execute(`UPDATE system_config SET description = $2 WHERE key = $1`, [first, role]);
          await both.arrive();
          if (role === 'closer') await waiterBlocked;
          await tx.execute(`UPDATE system_config SET description = $2 WHERE key = $1`, [second, role]);
        });
      const before = tx.getStats().transactions.retriesBySqlState['40P01'] ?? 0;
      const done = Promise.all([lockInOrder('waiter', 'acct:0', 'acct:1'), lockInOrder('closer', 'acct:1', 'acct:0')]);
      await both.all;
      const admin = new Client({ connectionString: db.url });
      await admin.connect();
      try {
        const [waiter] = pids.waiter;
        const [closer] = pids.closer;
        const blockers = await pollUntil(
          () =>
            admin
              .query<{ blockers: number[] }>('SELECT pg_blocking_pids($1) AS blockers', [waiter])
              .then((r) => r.rows[0].blockers),
          (found) => found.includes(closer),
          { intervalMs: 10 },
        );
        expect(blockers).toEqual([closer]);
        const [wait] = (
          await admin.query(`SELECT locktype, mode FROM pg_locks WHERE pid = $1 AND NOT granted`, [waiter])
        ).rows;
        expect(wait).toEqual({ locktype: 'transactionid', mode: 'ShareLock' }); // waiting for closer's transaction to end
      } finally {
        closeCycle();
        await admin.end();
      }
      await done;
      // The server chose one of the two as the victim; it ran again: three attempts, one 40P01 retry.
      expect(attempts).toBe(3);
      expect(tx.getStats().transactions.retriesBySqlState['40P01']).toBe(before + 1);
      const victim = pids.waiter.length === 2 ? 'waiter' : 'closer';
      expect(pids[victim === 'waiter' ? 'closer' : 'waiter']).toHaveLength(1);
      // The victim's retry waited for the survivor's commit, so both rows carry its writes.
      const rows = await dataSource.query(
        `SELECT key, description FROM system_config WHERE key IN ('acct:0', 'acct:1') ORDER BY key`,
      );
      expect(rows).toEqual([
        { key: 'acct:0', description: victim },
        { key: 'acct:1', description: victim },
      ]);
    });
  });

  it('stream() inside a transaction reads its uncommitted rows', async () => {
    await tx
      .transaction(async () => {
        await users.createMany(
          Array.from({ length: 30 }, (_, i) => ({ email: `s${i}@stream.example.com`, displayName: 'S' })),
        );
        let seen = 0;
        for await (const u of users.stream({ filter: { email: '$ilike:@stream.example.com' } }, { batchSize: 7 })) {
          expect(u.displayName).toBe('S');
          seen++;
        }
        expect(seen).toBe(30);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await count(`users WHERE email LIKE '%@stream.example.com'`)).toBe(0);
  });

  it('isolationLevel and readOnly hold for every path into the transaction, TypeORM code included', async () => {
    const seen = await tx.transaction(
      async () => ({
        ours: await tx.queryOne('SELECT current_setting($1) AS level, current_setting($2) AS ro', [
          'transaction_isolation',
          'transaction_read_only',
        ]),
        typeorm: (await dataSource.manager.query('SHOW transaction_isolation'))[0],
        sameSession:
          (await tx.queryOne('SELECT pg_backend_pid() AS pid'))!.pid ===
          (await dataSource.manager.query('SELECT pg_backend_pid() AS pid'))[0].pid,
      }),
      { isolationLevel: 'REPEATABLE READ', readOnly: true },
    );
    expect(seen).toEqual({
      ours: { level: 'repeatable read', ro: 'on' },
      typeorm: { transaction_isolation: 'repeatable read' },
      sameSession: true,
    });
  });

  it('an isolation level that is not one PostgreSQL knows is refused before any SQL: it never becomes SQL text', async () => {
    let ran = false;
    const error = await tx
      .transaction(
        async () => {
          ran = true;
        },
        { isolationLevel: 'SERIALIZABLE; DROP TABLE users; --' as never, retries: 0 },
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(ran).toBe(false);
    expect(await count('users')).toBeGreaterThanOrEqual(0);
  });

  it("TypeORM subscribers of transaction events see the module's transactions begin, commit and roll back", async () => {
    const events: string[] = [];
    const subscriber = {
      beforeTransactionStart: () => void events.push('start'),
      afterTransactionCommit: () => void events.push('commit'),
      afterTransactionRollback: () => void events.push('rollback'),
    };
    dataSource.subscribers.push(subscriber);
    try {
      await tx.transaction(() => users.create({ email: 'sub1@example.com', displayName: 'a' }));
      await tx
        .transaction(async () => {
          await users.create({ email: 'sub2@example.com', displayName: 'a' });
          throw new Error('no');
        })
        .catch(() => undefined);
    } finally {
      dataSource.subscribers.splice(dataSource.subscribers.indexOf(subscriber), 1);
    }
    expect(events).toEqual(['start', 'commit', 'start', 'rollback']);
    expect(await users_('sub1@example.com')).toBe(1);
    expect(await users_('sub2@example.com')).toBe(0);
  });
});
