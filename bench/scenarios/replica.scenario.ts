import type { Contender } from '../contenders/contender';
import { OursContender } from '../contenders/ours.contender';
import { RawPgContender } from '../contenders/raw-pg.contender';
import type { ScenarioResult } from '../report/results';
import type { BenchContext, TimedScenario } from './scenario';
import { benchEnv, loadDataset, migratedDataSource, taskIds } from '../support/database';
import { poolSettings } from '../support/pool-settings';
import { runTimed } from '../support/runner';
import { missingSystemNeeds } from '../../test/support/cluster/system-binaries';
import { startPrimary, startStandby, PgNode } from '../../test/support/cluster/postgres-cluster';
import { READ_REPLICAS } from '../../src/database/replicas/read-replicas.providers';
import type { ReadRouter } from '../../src/database/replicas/read-router';

/** The scenario's key (`--only=replica`). */
export const REPLICA_SCENARIO_KEY = 'replica-point-read-c32';

/** The primary's settings: the bench server's (no durability, nothing in the background). */
const SETTINGS = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  shared_buffers: '256MB',
  random_page_cost: '1.1',
  autovacuum: 'off',
  checkpoint_timeout: '1h',
  max_wal_size: '16GB',
};

/** What the scenario needs from the run. */
export interface ReplicaSizes {
  tasks: number;
  ids: number;
  rounds: number;
  windowMs: number;
  poolSize: number;
}

/**
 * Point reads by id at c=32 with one streaming replica (issue 17): ours routing reads to the
 * replica (lag checks, read-your-writes bookkeeping), ours with the same settings and no replica,
 * and raw pg to the primary (the ratio's base). The primary and its standby are Debian's
 * PostgreSQL 15 started by the test harness (`test/support/cluster`); without those binaries the
 * scenario says so and is skipped.
 */
export async function replicaScenario(sizes: ReplicaSizes, log: (line: string) => void): Promise<ScenarioResult[]> {
  const missing = missingSystemNeeds(['postgres-cluster']);
  if (missing.length) {
    log(
      `${REPLICA_SCENARIO_KEY}: SKIPPED, no PostgreSQL primary/standby binaries here (missing: ${missing.join(', ')})`,
    );
    return [];
  }
  let primary: PgNode | undefined;
  let standby: PgNode | undefined;
  const contenders: Contender[] = [];
  try {
    primary = await startPrimary({ settings: SETTINGS });
    const dataSource = await migratedDataSource(primary.url());
    let ids: string[];
    try {
      await loadDataset(dataSource, sizes.tasks);
      ids = await taskIds(dataSource, sizes.ids);
    } finally {
      await dataSource.destroy();
    }
    standby = await startStandby(primary, { name: 'bench_replica' });
    await standby.waitForReplay();
    const env = benchEnv(primary.url(), sizes.poolSize);
    const routed = await OursContender.create(
      { ...env, DB_READ_REPLICA_URLS: standby.url(), DB_REPLICA_POOL_MAX: String(sizes.poolSize) },
      false,
      'ours, 1 replica (routed)',
    );
    contenders.push(
      new RawPgContender(poolSettings(env)),
      routed,
      await OursContender.create(env, false, 'ours, primary only'),
    );
    await untilInRotation(routed);
    const ctx: BenchContext = {
      quick: true,
      tasks: sizes.tasks,
      deep: 0,
      deepPosition: { createdAt: new Date(0), id: '' },
      ids,
      contenders: contenders.length,
      rounds: sizes.rounds,
      windowMs: sizes.windowMs,
    };
    const scenario: TimedScenario = {
      key: REPLICA_SCENARIO_KEY,
      label: 'point read by id (c=32), one replica: routed vs raw pg to the primary',
      concurrency: 32,
      writes: false,
      prepare: async (c) => c.pointRead && (() => c.pointRead!(ids[Math.floor(Math.random() * ids.length)])),
    };
    const result = await runTimed(scenario, contenders, ctx);
    const reads = routerOf(routed).states()[0].reads;
    const base = result.results.find((r) => r.contender === 'raw pg')?.median;
    const figures = result.results.map((r) => {
      const ratio = base ? ` (${(r.median / base).toFixed(2)}x)` : '';
      const cpu = r.cpu ? `, this process' CPU ${r.cpu.clientUs.toFixed(1)} µs/op` : '';
      return `${r.contender} ${Math.round(r.median)} ops/s${ratio}${cpu}`;
    });
    log(`${REPLICA_SCENARIO_KEY}: ${figures.join('; ')}; the replica served ${reads} reads of the routed contender`);
    return [result];
  } finally {
    for (const c of contenders) await c.close().catch(() => undefined);
    await standby?.destroy();
    await primary?.destroy();
  }
}

function routerOf(contender: OursContender): ReadRouter {
  return (contender as unknown as { moduleRef: { get(token: unknown): ReadRouter } }).moduleRef.get(READ_REPLICAS);
}

/** Waits (bounded) until the router's first check put the replica in the rotation. */
async function untilInRotation(contender: OursContender): Promise<void> {
  const router = routerOf(contender);
  for (let i = 0; i < 200; i++) {
    if (router.states()[0].status === 'up') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the replica did not join the rotation: ${router.states()[0].cause}`);
}
