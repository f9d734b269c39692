import { join } from 'node:path';
import { expectAppliedOnceByOne } from '../support/app-migrations';
import { startPgBouncer, PgBouncer } from '../support/cluster/pgbouncer';
import { PgNode, startPrimary } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';
import { finished, ROOT, tableExists, typeormCli } from '../support/migration-process';

const ORMCONFIG = join(ROOT, 'ormconfig.ts');

describeWithSystem(['postgres-cluster', 'pgbouncer'], 'migrations behind PgBouncer in transaction mode (PG 15)', () => {
  let primary: PgNode;
  let bouncer: PgBouncer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    primary = await startPrimary();
    bouncer = await startPgBouncer({ backend: primary, poolMode: 'transaction', defaultPoolSize: 2 });
    env = { DATABASE_URL: bouncer.url(), NODE_ENV: 'test', DB_POOLER: 'transaction' };
  });

  afterAll(async () => {
    await bouncer?.stop();
    await primary?.destroy();
  });

  it('`typeorm migration:run` through the pooler without DB_MIGRATIONS_URL refuses, and changes nothing', async () => {
    const run = await finished(typeormCli('migration:run', ORMCONFIG, env));
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/refusing to migrate through a transaction pooler \(DB_POOLER=transaction\)/);
    expect(run.output).toMatch(/Set DB_MIGRATIONS_URL to a direct connection/);
    expect(await tableExists(primary.url(), 'migrations')).toBe(false);
  });

  it('five `typeorm migration:run` with DB_MIGRATIONS_URL started together: each migration applied once, by one of them', async () => {
    const direct = { ...env, DB_MIGRATIONS_URL: primary.url() };
    const runs = [1, 2, 3, 4, 5].map(() => typeormCli('migration:run', ORMCONFIG, direct));
    const results = await Promise.all(runs.map(finished));
    for (const result of results) expect(result).toMatchObject({ code: 0 });
    await expectAppliedOnceByOne(
      primary.url(),
      results.map((r) => r.output),
    );
  });
});
