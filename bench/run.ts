import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Contender, Position } from './contenders/contender';
import { PAGE } from './contenders/contender';
import { DrizzleContender } from './contenders/drizzle.contender';
import { KyselyContender } from './contenders/kysely.contender';
import { MikroOrmContender } from './contenders/mikro-orm.contender';
import { OursAppContender } from './contenders/ours-app.contender';
import { OursContender } from './contenders/ours.contender';
import { RawPgContender } from './contenders/raw-pg.contender';
import { RawPgAuditedContender } from './contenders/raw-pg-audited.contender';
import { RawPgAuditedStatementContender } from './contenders/raw-pg-audited-statement.contender';
import { TypeOrmContender } from './contenders/typeorm.contender';
import { BenchResults, ScenarioResult, withRatios } from './report/results';
import { ratioChart } from './report/svg';
import { describeRun, latencyTable, markdownTable } from './report/table';
import { PEERS } from './targets';
import { bulkInsert, streamAll } from './scenarios/batch.scenarios';
import { healthScenarios } from './scenarios/health.scenario';
import { REPLICA_SCENARIO_KEY, replicaScenario } from './scenarios/replica.scenario';
import type { BenchContext } from './scenarios/scenario';
import { POOL_SCENARIOS, TENANT_SCENARIOS, TIMED_SCENARIOS, withPool } from './scenarios/timed.scenarios';
import { TenantContender } from './contenders/tenant.contender';
import { loadTenantDataset } from './support/tenant-dataset';
import {
  benchEnv,
  loadDataset,
  migratedDataSource,
  openDataSource,
  quiesce,
  serverVersion,
  startDatabase,
  taskIds,
} from './support/database';
import { ServerCpu } from './support/cpu-cost';
import { poolSettings } from './support/pool-settings';
import { MachineSpeed } from './support/machine-speed';
import { cpuTicks, stealPercent } from './support/steal';
import { runTimed } from './support/runner';
import { installStatementCounter } from './support/statements';

const quick = process.argv.includes('--quick');
/** `--only=update,health`: the scenarios whose key starts with one of these; printed, not written to results/. */
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',')
  .filter(Boolean);
const wanted = (key: string) => !only || only.some((prefix) => key.startsWith(prefix));
const SIZES = quick
  ? {
      tasks: 100_000,
      ids: 60_000,
      deep: 10_000,
      rounds: 3,
      windowMs: 250,
      bulk: 10_000,
      bulkRounds: 2,
      bulkExtraRounds: 0,
      streamRounds: 1,
      health: { msPerCheck: 800, warmUp: 50 },
    }
  : {
      tasks: 1_000_000,
      ids: 400_000,
      deep: 100_000,
      // Many short windows rather than a few long ones: the contenders take turns more often, so
      // a change in the machine's load falls on all of them alike.
      rounds: 10,
      windowMs: 500,
      bulk: 100_000,
      bulkRounds: 3,
      // Raw pg's and ours' bulk calls, 2-5 s each, five times rather than three: with three, one call
      // in a slow episode of the machine decides the median (bench/README.md).
      bulkExtraRounds: 2,
      streamRounds: 2,
      health: { msPerCheck: 6_000, warmUp: 200 },
    };
/** The run's pool size, and the other one the concurrency scenarios also run with. */
const POOL = 10;
const SMALL_POOL = 5;
const SKIPPED = [
  'streaming for TypeORM, Drizzle, Kysely and MikroORM: each needs pg-query-stream or pg-cursor, or has no streaming API (MikroORM 6)',
  'pool size 5: the concurrency scenarios only (point read c=32, health); every other scenario runs with pool 10',
];
const log = (line: string) => process.stdout.write(`${line}\n`);

async function deepPosition(query: (sql: string, values: unknown[]) => Promise<any[]>, deep: number) {
  const [row] = await query(
    `SELECT created_at, id FROM tasks WHERE status = $1 AND deleted_at IS NULL
      ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
    [PAGE.status, deep - 1],
  );
  return { createdAt: row.created_at, id: row.id } as Position;
}

async function main(): Promise<number> {
  const started = Date.now();
  const loadAverageAtStart = loadavg();
  const ticksAtStart = cpuTicks();
  installStatementCounter();
  Logger.overrideLogger(['error', 'warn']);
  const db = await startDatabase();
  log(`PostgreSQL: ${db.source}`);
  const dataSource = await migratedDataSource(db.url);
  const speed = await MachineSpeed.open(db.url);
  const contenders: Contender[] = [];
  try {
    log(`loading ${SIZES.tasks.toLocaleString('en')} tasks…`);
    await loadDataset(dataSource, SIZES.tasks);
    const env = benchEnv(db.url, POOL);
    const settings = poolSettings(env);
    contenders.push(
      new RawPgContender(settings),
      new RawPgAuditedContender(settings),
      new RawPgAuditedStatementContender(settings),
      await OursContender.create(env, false),
      await OursContender.create(env, true),
      await OursAppContender.create(env),
      new TypeOrmContender(dataSource),
      new DrizzleContender(settings),
      new KyselyContender(settings),
      await MikroOrmContender.create(settings),
    );
    const ctx: BenchContext = {
      quick,
      tasks: SIZES.tasks,
      deep: SIZES.deep,
      deepPosition: await deepPosition((s, v) => dataSource.query(s, v), SIZES.deep),
      ids: await taskIds(dataSource, SIZES.ids),
      server: ServerCpu.of((await dataSource.query('SELECT pg_backend_pid() AS pid'))[0].pid),
      contenders: contenders.length,
      rounds: SIZES.rounds,
      windowMs: SIZES.windowMs,
    };
    const scenarios: ScenarioResult[] = [];
    const report = (s: ScenarioResult) => {
      scenarios.push(withRatios(s));
      const figure = (r: ScenarioResult['results'][0]) =>
        r.p99Ms === undefined ? Math.round(r.median) : `p50 ${r.p50Ms!.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`;
      log(`${s.label}: ${s.results.map((r) => `${r.contender} ${figure(r)}`).join(', ')}`);
    };
    const run = async (key: string, scenario: () => Promise<ScenarioResult | ScenarioResult[]>) => {
      if (!wanted(key)) return;
      await quiesce(dataSource);
      await speed.probe(); // the machine's speed at each scenario's start, for the run's summary
      const result = await scenario();
      for (const s of Array.isArray(result) ? result : [result]) report(s);
    };
    for (const scenario of TIMED_SCENARIOS) await run(scenario.key, () => runTimed(scenario, contenders, ctx));
    const bulkPlan = { rows: SIZES.bulk, rounds: SIZES.bulkRounds, extraRounds: SIZES.bulkExtraRounds, peers: PEERS };
    await run('bulk-insert', () => bulkInsert(contenders, dataSource, bulkPlan, ctx.server, speed));
    await run('stream', () => streamAll(contenders, SIZES.streamRounds));
    // The concurrency scenarios again on pools of 5: every contender with its own, smaller pool.
    const smallScenarios = POOL_SCENARIOS.map((s) => withPool(s, SMALL_POOL)).filter((s) => wanted(s.key));
    if (smallScenarios.length) {
      const smallEnv = benchEnv(db.url, SMALL_POOL);
      const smallSettings = poolSettings(smallEnv);
      const smallDataSource = await openDataSource(db.url, SMALL_POOL);
      const small: Contender[] = [];
      try {
        small.push(
          new RawPgContender(smallSettings),
          await OursContender.create(smallEnv, false),
          new TypeOrmContender(smallDataSource),
          new DrizzleContender(smallSettings),
          new KyselyContender(smallSettings),
          await MikroOrmContender.create(smallSettings),
        );
        for (const scenario of smallScenarios)
          await run(scenario.key, () => runTimed(scenario, small, { ...ctx, contenders: small.length }));
      } finally {
        for (const c of small) await c.close().catch(() => undefined);
        await smallDataSource.destroy();
      }
    }
    /** Contenders of the scenarios run with their own (the tenant ones), for the tables' columns. */
    const extraContenders: string[] = [];
    // Issue 18: tenant-scoped against unscoped, on `notes`, with contenders of their own.
    if (TENANT_SCENARIOS.some((s) => wanted(s.key))) {
      const dataset = await loadTenantDataset(dataSource, db.url, SIZES.tasks);
      const tenantCtx = { ...ctx, tenant: { id: dataset.tenant, ids: dataset.ids } };
      const tenantContenders: Contender[] = [];
      try {
        tenantContenders.push(
          new RawPgContender(settings),
          await TenantContender.create(env, dataset.tenant, false),
          await TenantContender.create(benchEnv(dataset.roleUrl, POOL), dataset.tenant, true),
        );
        tenantCtx.contenders = tenantContenders.length;
        extraContenders.push(...tenantContenders.slice(1).map((c) => c.name));
        for (const scenario of TENANT_SCENARIOS)
          await run(scenario.key, () => runTimed(scenario, tenantContenders, tenantCtx));
      } finally {
        for (const c of tenantContenders) await c.close().catch(() => undefined);
      }
    }
    for (const pool of [POOL, SMALL_POOL])
      await run(`health-pool${pool}`, () => healthScenarios(env, pool, SIZES.health));
    // A primary and a standby of their own (the harness' PostgreSQL 15), or skipped saying why.
    await run(REPLICA_SCENARIO_KEY, async () => {
      const replica = await replicaScenario(
        { tasks: SIZES.tasks, ids: SIZES.ids, rounds: SIZES.rounds, windowMs: SIZES.windowMs, poolSize: POOL },
        log,
      );
      // Its contenders of its own get their columns in the tables, as the tenant ones do.
      for (const name of replica.flatMap((r) => r.results.map((x) => x.contender)))
        if (!contenders.some((c) => c.name === name) && !extraContenders.includes(name)) extraContenders.push(name);
      return replica;
    });
    const results: BenchResults = {
      meta: {
        date: new Date().toISOString(),
        quick,
        nproc: cpus().length,
        cpu: cpus()[0]?.model.trim() ?? 'unknown',
        node: process.version,
        postgres: await serverVersion(dataSource),
        database: db.source,
        loadAverageAtStart,
        loadAverageAtEnd: loadavg(),
        stealPercent: stealPercent(ticksAtStart, cpuTicks()),
        machine: speed.summary(),
        tasks: SIZES.tasks,
        deep: SIZES.deep,
        poolSize: POOL,
        poolSizes: [POOL, SMALL_POOL],
        rounds: SIZES.rounds,
        windowMs: SIZES.windowMs,
        bulkRows: SIZES.bulk,
        durationS: Math.round((Date.now() - started) / 1000),
        skipped: SKIPPED,
        contenders: [...contenders.map((c) => c.name), ...extraContenders],
      },
      scenarios,
    };
    if (only) {
      log(
        `\n${describeRun(results)}\n\n${markdownTable(results)}\n\n${latencyTable(results) ?? ''}\n--only: nothing written to bench/results/`,
      );
      return 0;
    }
    const dir = join(__dirname, 'results');
    await mkdir(dir, { recursive: true });
    const latency = latencyTable(results);
    const tables = `${markdownTable(results)}\n${latency ? `\n${latency}\n` : ''}`;
    await writeFile(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(dir, 'latest.svg'), ratioChart(results));
    await writeFile(join(dir, 'latest.md'), `${describeRun(results)}\n\n${tables}`);
    log(
      `\n${describeRun(results)}\n\n${tables}\ncells: median (ratio to raw pg) · statements per call; health: p50 / p99 (the p99's 95% confidence range) latency\nwrote bench/results/latest.{json,svg,md}`,
    );
    return 0;
  } finally {
    for (const c of contenders) await c.close().catch(() => undefined);
    await speed.close();
    await dataSource.destroy();
    // pg-pool's end() resolves before its clients' goodbyes reach the server: stopping the server
    // first would terminate those sessions and crash the run with an unhandled 57P01.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await db.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(
      `bench failed: ${text.length > 3000 ? `${text.slice(0, 1500)} … ${text.slice(-1500)}` : text}\n`,
    );
    process.exit(1);
  },
);
