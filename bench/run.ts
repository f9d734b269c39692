import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { Contender, Position } from './contenders/contender';
import { PAGE } from './contenders/contender';
import { DrizzleContender } from './contenders/drizzle.contender';
import { KyselyContender } from './contenders/kysely.contender';
import { OursContender } from './contenders/ours.contender';
import { RawPgContender } from './contenders/raw-pg.contender';
import { TypeOrmContender } from './contenders/typeorm.contender';
import { BenchResults, ScenarioResult, withRatios } from './report/results';
import { ratioChart } from './report/svg';
import { describeRun, markdownTable } from './report/table';
import { bulkInsert, streamAll } from './scenarios/batch.scenarios';
import type { BenchContext } from './scenarios/scenario';
import { TIMED_SCENARIOS } from './scenarios/timed.scenarios';
import { benchEnv, loadDataset, migratedDataSource, serverVersion, startDatabase, taskIds } from './support/database';
import { poolSettings } from './support/pool-settings';
import { runTimed } from './support/runner';
import { installStatementCounter } from './support/statements';

const quick = process.argv.includes('--quick');
const SIZES = quick
  ? {
      tasks: 100_000,
      ids: 60_000,
      deep: 10_000,
      rounds: 3,
      windowMs: 250,
      bulk: 10_000,
      bulkRounds: 2,
      streamRounds: 1,
    }
  : {
      tasks: 1_000_000,
      ids: 400_000,
      deep: 100_000,
      rounds: 5,
      windowMs: 1_000,
      bulk: 100_000,
      bulkRounds: 3,
      streamRounds: 2,
    };
const SKIPPED = [
  'health check (GET /health idle and with the pool saturated, vs TypeOrmHealthIndicator): not built in the time box',
  'pool size 5: every scenario runs with pool size 10 only',
  'MikroORM: not installed (time box)',
  'streaming for TypeORM, Drizzle and Kysely: each needs pg-query-stream or pg-cursor, or has no streaming API',
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
  installStatementCounter();
  Logger.overrideLogger(['error', 'warn']);
  const db = await startDatabase();
  log(`PostgreSQL: ${db.source}`);
  const dataSource = await migratedDataSource(db.url);
  const contenders: Contender[] = [];
  try {
    log(`loading ${SIZES.tasks.toLocaleString('en')} tasks…`);
    await loadDataset(dataSource, SIZES.tasks);
    const env = benchEnv(db.url);
    const settings = poolSettings(env);
    contenders.push(
      new RawPgContender(settings),
      await OursContender.create(env, false),
      await OursContender.create(env, true),
      new TypeOrmContender(dataSource),
      new DrizzleContender(settings),
      new KyselyContender(settings),
    );
    const ctx: BenchContext = {
      quick,
      tasks: SIZES.tasks,
      deep: SIZES.deep,
      deepPosition: await deepPosition((s, v) => dataSource.query(s, v), SIZES.deep),
      ids: await taskIds(dataSource, SIZES.ids),
      contenders: contenders.length,
      rounds: SIZES.rounds,
      windowMs: SIZES.windowMs,
    };
    const scenarios: ScenarioResult[] = [];
    const report = (s: ScenarioResult) => {
      scenarios.push(withRatios(s));
      log(`${s.label}: ${s.results.map((r) => `${r.contender} ${Math.round(r.median)}`).join(', ')}`);
    };
    for (const scenario of TIMED_SCENARIOS) report(await runTimed(scenario, contenders, ctx));
    report(await bulkInsert(contenders, dataSource, SIZES.bulk, SIZES.bulkRounds));
    report(await streamAll(contenders, SIZES.streamRounds));
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
        tasks: SIZES.tasks,
        deep: SIZES.deep,
        poolSize: Number(settings.max),
        rounds: SIZES.rounds,
        windowMs: SIZES.windowMs,
        bulkRows: SIZES.bulk,
        durationS: Math.round((Date.now() - started) / 1000),
        skipped: SKIPPED,
        contenders: contenders.map((c) => c.name),
      },
      scenarios,
    };
    const dir = join(__dirname, 'results');
    await mkdir(dir, { recursive: true });
    const table = markdownTable(results);
    await writeFile(join(dir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(join(dir, 'latest.svg'), ratioChart(results));
    await writeFile(join(dir, 'latest.md'), `${describeRun(results)}\n\n${table}\n`);
    log(
      `\n${describeRun(results)}\n\n${table}\n\ncells: median (ratio to raw pg) · statements per call\nwrote bench/results/latest.{json,svg,md}`,
    );
    return 0;
  } finally {
    for (const c of contenders) await c.close().catch(() => undefined);
    await dataSource.destroy();
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
