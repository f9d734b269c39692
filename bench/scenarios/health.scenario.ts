import { ChildProcess, fork } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import type { LatencyReply, LatencyRequest } from '../health/latency-client';
import { RoundTripHealthModule } from '../health/round-trip-health.module';
import { TerminusHealthModule } from '../health/terminus-health.module';
import type { ContenderResult, ScenarioResult } from '../report/results';
import { percentile, percentileRange } from '../support/measure';
import { statementsSent } from '../support/statements';

/**
 * The two checks compared, ours (`GET /health`) and Terminus' `TypeOrmHealthIndicator`; the app's
 * liveness route, which touches no database: the floor of any route of this app on this machine;
 * and the same route plus one `SELECT 1` round trip on a connection of its own, no check logic: the
 * floor of any check that asks the server.
 */
const CHECKS = [
  { name: 'ours', path: '/health' },
  { name: 'Terminus TypeOrmHealthIndicator', path: '/terminus-health' },
  { name: 'floor: GET /health/live (no database)', path: '/health/live' },
  { name: 'one round trip: SELECT 1 on its own connection', path: '/round-trip' },
] as const;

/** Sizes of the health scenario. */
export interface HealthSizes {
  /** Measured time per check and state, in ms: the checks take turns request by request. */
  msPerCheck: number;
  /** Requests per check before measuring. */
  warmUp: number;
}

/** The sleep each saturating caller holds a connection for. */
const HOLD_SECONDS = 0.05;
/** Callers beyond the pool size, so some always wait (the pool is saturated, not only busy). */
const EXTRA_CALLERS = 2;

@Module({})
class HealthBenchApp {}

async function startApp(env: NodeJS.ProcessEnv): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(
    { module: HealthBenchApp, imports: [AppModule.register(env), TerminusHealthModule, RoundTripHealthModule] },
    { logger: false },
  );
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${app.getHttpServer().address().port}` };
}

/** The latency client in a process of its own (same runtime flags, so ts-node loads it). */
function startClient(): ChildProcess {
  return fork(join(__dirname, '..', 'health', `latency-client${__filename.endsWith('.ts') ? '.ts' : '.js'}`), [], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function askClient(client: ChildProcess, job: LatencyRequest): Promise<LatencyReply> {
  return new Promise((resolve, reject) => {
    client.once('message', (m: { reply?: LatencyReply; error?: string }) =>
      m.reply ? resolve(m.reply) : reject(new Error(`latency client: ${m.error}`)),
    );
    client.send(job);
  });
}

/** Keeps every connection of the app's main pool busy (and callers waiting) until stopped. */
function saturate(dataSource: DataSource, poolSize: number): () => Promise<void> {
  let running = true;
  const caller = async () => {
    while (running) await dataSource.query(`SELECT pg_sleep(${HOLD_SECONDS})`);
  };
  const callers = Array.from({ length: poolSize + EXTRA_CALLERS }, caller);
  return async () => {
    running = false;
    await Promise.all(callers);
  };
}

/**
 * Statements each path's requests sent, counted in the app while the request was in flight (the
 * client sends one request at a time, so a statement sent meanwhile is that request's, unless a
 * background load is running).
 */
function countStatementsByPath(app: INestApplication): Map<string, { statements: number; requests: number }> {
  const counts = new Map(CHECKS.map((c) => [c.path as string, { statements: 0, requests: 0 }]));
  app.getHttpServer().prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const before = statementsSent();
    res.once('finish', () => {
      const count = counts.get(req.url ?? '');
      if (!count) return;
      count.statements += statementsSent() - before;
      count.requests++;
    });
  });
  return counts;
}

/**
 * `GET /health` of the example app (our `DatabaseHealthIndicator`, on its own connection) against
 * Terminus' `TypeOrmHealthIndicator.pingCheck` (`SELECT 1` through the main pool) and the app's
 * liveness route, one request at a time over a keep-alive connection per route, the routes taking
 * turns request by request (see the latency client): idle, then with every main-pool connection held
 * by `SELECT pg_sleep` and callers waiting. p50 and p99 latency of each, per pool size.
 */
export async function healthScenarios(
  env: NodeJS.ProcessEnv,
  poolSize: number,
  sizes: HealthSizes,
): Promise<ScenarioResult[]> {
  const { app, url } = await startApp({ ...env, DB_POOL_MAX: String(poolSize) });
  const client = startClient();
  const statements = countStatementsByPath(app);
  const results: ScenarioResult[] = [];
  try {
    for (const state of ['idle', 'saturated'] as const) {
      const stop = state === 'saturated' ? saturate(app.get(DataSource), poolSize) : undefined;
      if (stop) await new Promise((r) => setTimeout(r, 200)); // every connection busy, callers queued
      try {
        for (const count of statements.values()) Object.assign(count, { statements: 0, requests: 0 });
        const reply = await askClient(client, {
          url,
          paths: CHECKS.map((c) => c.path),
          msPerPath: sizes.msPerCheck,
          warmUp: sizes.warmUp,
        });
        const summary = ({ name, path }: (typeof CHECKS)[number]): ContenderResult => {
          const { latencies, statuses } = reply[path];
          const counted = statements.get(path)!;
          return {
            contender: name,
            median: percentile(latencies, 50),
            samples: [],
            // Idle, every statement is the check's own (warm-up included); saturated, the saturating callers' count too.
            ...(stop ? {} : { statementsPerCall: counted.statements / counted.requests }),
            p50Ms: percentile(latencies, 50),
            p99Ms: percentile(latencies, 99),
            p99RangeMs: percentileRange(latencies, 99),
            requests: latencies.length,
            statuses,
          };
        };
        results.push({
          key: `health-${state}-pool${poolSize}`,
          label: `GET /health, ${state === 'idle' ? 'idle' : 'main pool saturated'} (pool ${poolSize})`,
          unit: 'ms',
          concurrency: 1,
          poolSize,
          results: CHECKS.map(summary),
        });
      } finally {
        await stop?.();
      }
    }
  } finally {
    client.kill();
    await app.close();
  }
  return results;
}
