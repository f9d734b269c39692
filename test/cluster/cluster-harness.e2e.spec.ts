import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { startPgBouncer, PgBouncer } from '../support/cluster/pgbouncer';
import { PgNode, startPrimary, startStandby } from '../support/cluster/postgres-cluster';
import { describeWithSystem } from '../support/cluster/system-binaries';

async function queryUrl<R>(url: string, sql: string, params?: unknown[]): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as R[];
  } finally {
    await client.end();
  }
}

describeWithSystem(['postgres-cluster', 'pgbouncer'], 'cluster harness (PG 15 primary, standbys, PgBouncer)', () => {
  let primary: PgNode;
  let sync: PgNode;
  let bouncer: PgBouncer;

  beforeAll(async () => {
    primary = await startPrimary();
    sync = await startStandby(primary, { name: 'sync1', synchronous: true });
    bouncer = await startPgBouncer({ backend: primary, poolMode: 'transaction' });
  });

  afterAll(async () => {
    await bouncer?.stop();
    await sync?.destroy();
    await primary?.destroy();
  });

  it('user app is no superuser and owns database app; the standby is sync', async () => {
    const [me] = await queryUrl<{ u: string; su: boolean; owner: string }>(
      primary.url(),
      'SELECT current_user AS u, usesuper AS su, pg_get_userbyid(datdba) AS owner FROM pg_user, pg_database WHERE usename = current_user AND datname = current_database()',
    );
    expect(me).toEqual({ u: 'app', su: false, owner: 'app' });
    const rows = await primary.query<{ application_name: string; sync_state: string }>(
      'SELECT application_name, sync_state FROM pg_stat_replication',
    );
    expect(rows).toEqual([{ application_name: 'sync1', sync_state: 'sync' }]);
  });

  it('a row committed on the primary as app is read on the synchronous standby', async () => {
    await queryUrl(primary.url(), 'CREATE TABLE harness_rows (id int PRIMARY KEY, note text)');
    await queryUrl(primary.url(), "INSERT INTO harness_rows VALUES (1, 'from primary')");
    await sync.waitForReplay();
    const rows = await queryUrl<{ note: string }>(sync.url(), 'SELECT note FROM harness_rows WHERE id = 1');
    expect(rows).toEqual([{ note: 'from primary' }]);
    const [standby] = await sync.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    expect(standby.r).toBe(true);
  });

  it('pauses and resumes replay on an asynchronous standby', async () => {
    const lagging = await startStandby(primary, { name: 'async1' });
    try {
      await lagging.waitForReplay();
      await lagging.pauseReplay();
      await queryUrl(primary.url(), "INSERT INTO harness_rows VALUES (2, 'while paused')");
      const [{ lsn }] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      await sync.waitForReplay(lsn);
      const [row] = await lagging.query<{ replayed: boolean }>(
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed',
        [lsn],
      );
      expect(row.replayed).toBe(false);
      expect(await queryUrl(lagging.url(), 'SELECT id FROM harness_rows WHERE id = 2')).toEqual([]);
      await lagging.resumeReplay();
      await lagging.waitForReplay(lsn);
      expect(await queryUrl(lagging.url(), 'SELECT id FROM harness_rows WHERE id = 2')).toEqual([{ id: 2 }]);
    } finally {
      await lagging.destroy();
    }
  });

  it('PgBouncer in transaction mode answers as app from the primary', async () => {
    const [row] = await queryUrl<{ u: string; port: number; r: boolean }>(
      bouncer.url(),
      'SELECT current_user AS u, inet_server_port() AS port, pg_is_in_recovery() AS r',
    );
    expect(row).toEqual({ u: 'app', port: primary.port, r: false });
    const pools = await bouncer.admin<{ database: string; user: string; pool_mode: string }>('SHOW POOLS');
    expect(pools).toEqual(
      expect.arrayContaining([expect.objectContaining({ database: 'app', user: 'app', pool_mode: 'transaction' })]),
    );
  });

  it('after the standby is promoted, retarget sends new transactions to it', async () => {
    await sync.promote();
    await bouncer.retarget(sync);
    const [row] = await queryUrl<{ port: number; r: boolean; note: string }>(
      bouncer.url(),
      'SELECT inet_server_port() AS port, pg_is_in_recovery() AS r, (SELECT note FROM harness_rows WHERE id = 1) AS note',
    );
    expect(row).toEqual({ port: sync.port, r: false, note: 'from primary' });
  });

  it('a server that cannot start fails at once with its log, and leaves nothing behind', async () => {
    const before = new Set(readdirSync(tmpdir()));
    await expect(startPrimary({ settings: { shared_buffers: 'lots' } })).rejects.toThrow(/shared_buffers/);
    await expect(startPgBouncer({ backend: primary, settings: { pool_mode: 'sometimes' } })).rejects.toThrow(
      /pool_mode/,
    );
    // Only this process' server directories: other Jest workers may be starting servers meanwhile.
    const ours = (name: string) => name.startsWith('nest-pg-') && name.includes(`-${process.pid}-`);
    const left = readdirSync(tmpdir()).filter((name) => !before.has(name) && ours(name));
    expect(left).toEqual([]);
  });

  it('stop and start keep the data', async () => {
    await sync.stop();
    await sync.start();
    expect(await queryUrl(sync.url(), 'SELECT id FROM harness_rows ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });
});
