import { Test, TestingModule } from '@nestjs/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { appDatabaseModuleOptions, appDataSourceOptions } from '../../src/app.data-source';
import {
  DatabaseModule,
  DatabaseService,
  getRepositoryServiceToken,
  RepositoryService,
  runAsTenant,
} from '../../src/database';
import { Note } from '../../src/entities';
import { PgBouncer, startPgBouncer } from '../support/cluster/pgbouncer';
import { PgNode, startPrimary } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';
import { tenants } from '../support/tenant-role';

const { a: A, b: B } = tenants();

/**
 * Behind PgBouncer in transaction mode a client's statements may each run on another server
 * connection, and one server connection serves many clients: a tenant set for a session would
 * leak to whoever gets that connection next. The module's setting is transaction-local, so it
 * holds exactly for the statement it travels with.
 */
describeWithSystem(['postgres-cluster', 'pgbouncer'], 'tenant isolation behind PgBouncer (transaction mode)', () => {
  let primary: PgNode;
  let bouncer: PgBouncer;
  let moduleRef: TestingModule;
  let notes: RepositoryService<Note>;
  let db: DatabaseService;

  beforeAll(async () => {
    primary = await startPrimary();
    // Behind a transaction pooler the session timeouts are the role's (README, Behind a pooler).
    await primary.query(`ALTER ROLE app SET statement_timeout = '30000ms'`);
    await primary.query(`ALTER ROLE app SET idle_in_transaction_session_timeout = '60000ms'`);
    // The app's schema, migrated by `app` (not a superuser): it owns `notes`, and FORCE binds it.
    const migrator = await new DataSource(
      appDataSourceOptions({ DATABASE_URL: primary.url(), NODE_ENV: 'test' }),
    ).initialize();
    await migrator.runMigrations();
    await migrator.destroy();
    bouncer = await startPgBouncer({ backend: primary, poolMode: 'transaction', defaultPoolSize: 2 });
    moduleRef = await Test.createTestingModule({
      imports: [
        DatabaseModule.forRoot(
          appDatabaseModuleOptions({
            DATABASE_URL: bouncer.url(),
            NODE_ENV: 'test',
            DB_POOLER: 'transaction', // no session state, no named prepared statements
            DB_STATEMENT_TIMEOUT_MS: '30000',
            DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '60000',
            DB_POOL_MAX: '5',
          }),
        ),
        DatabaseModule.forFeature([Note]),
      ],
    }).compile();
    await moduleRef.init();
    notes = moduleRef.get(getRepositoryServiceToken(Note));
    db = moduleRef.get(DatabaseService);
  });
  afterAll(async () => {
    await moduleRef?.close();
    await bouncer?.stop();
    await primary?.destroy();
  });

  it('runs as a role that row-level security binds, through PgBouncer', async () => {
    const [me] = await db.query('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
    expect(me).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('50 concurrent calls alternating tenants over 5 client and 2 server connections: each sees its own rows only', async () => {
    await runAsTenant(A, () => notes.createMany([{ title: 'a1' }, { title: 'a2' }]));
    await runAsTenant(B, () => notes.createMany([{ title: 'b1' }]));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const tenant = i % 2 ? B : A;
        return runAsTenant(tenant, async () => {
          if (i % 5 === 0) await notes.create({ title: `n${i}` });
          const page = await notes.paginate({ limit: 100 });
          const raw = await db.query<{ tenant_id: string }>('SELECT tenant_id FROM notes');
          return { tenant, seen: [...page.data.map((n) => n.tenantId), ...raw.map((r) => r.tenant_id)] };
        });
      }),
    );
    for (const { tenant, seen } of results) {
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((t) => t === tenant)).toBe(true);
    }
    // Read back as the superuser, whom no policy binds.
    const superuser = new Client({ connectionString: primary.url('postgres', 'app') });
    await superuser.connect();
    try {
      const { rows } = await superuser.query('SELECT tenant_id, count(*)::int AS n FROM notes GROUP BY 1 ORDER BY 2');
      expect(rows).toEqual([
        { tenant_id: B, n: 1 + 5 },
        { tenant_id: A, n: 2 + 5 },
      ]);
    } finally {
      await superuser.end();
    }
    expect(await runAsTenant(A, () => notes.count())).toBe(2 + 5);
  });

  it('leaves no tenant on the server connections: statements without one read no setting and no row', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => runAsTenant(i % 2 ? A : B, () => notes.count())));
    const after = await Promise.all(
      Array.from({ length: 20 }, () =>
        db.query<{ t: string; n: number; pid: number }>(
          `SELECT coalesce(current_setting('app.tenant_id', true), '') AS t, (SELECT count(*)::int FROM notes) AS n, pg_backend_pid() AS pid`,
        ),
      ),
    );
    expect(new Set(after.map(([r]) => r.pid)).size).toBeLessThanOrEqual(2);
    for (const [row] of after) expect([row.t, row.n]).toEqual(['', 0]);
  });
});
