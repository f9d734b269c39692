import { slice, SLICE, TimedScenario } from './scenario';

const random = (n: number) => Math.floor(Math.random() * n);

function pointRead(concurrency: number): TimedScenario {
  return {
    key: `point-read-c${concurrency}`,
    label: `point read by id (c=${concurrency})`,
    concurrency,
    writes: false,
    prepare: async (c, ctx) => c.pointRead && ((_i) => c.pointRead!(ctx.ids[random(ctx.ids.length)])),
  };
}

let softDeleted = 0;

/** The scenarios timed in windows, in the order they run. */
export const TIMED_SCENARIOS: TimedScenario[] = [
  pointRead(1),
  pointRead(32),
  {
    key: 'page-offset-first',
    label: 'page 1 of 50, filter + sort (offset)',
    concurrency: 1,
    writes: false,
    prepare: async (c) => c.pageOffset && (() => c.pageOffset!(0)),
  },
  {
    key: 'page-offset-deep',
    label: 'deep page of 50 (offset)',
    concurrency: 1,
    writes: false,
    prepare: async (c, ctx) => c.pageOffset && (() => c.pageOffset!(ctx.deep)),
  },
  {
    key: 'page-keyset-first',
    label: 'page 1 of 50, filter + sort (keyset)',
    concurrency: 1,
    writes: false,
    prepare: async (c) => {
      if (!c.keysetStart || !c.pageKeyset) return undefined;
      const start = await c.keysetStart(undefined, 0);
      return () => c.pageKeyset!(start);
    },
  },
  {
    key: 'page-keyset-deep',
    label: 'deep page of 50 (keyset)',
    concurrency: 1,
    writes: false,
    prepare: async (c, ctx) => {
      if (!c.keysetStart || !c.pageKeyset) return undefined;
      const start = await c.keysetStart(ctx.deepPosition, ctx.deep);
      return () => c.pageKeyset!(start);
    },
  },
  {
    key: 'page-include',
    label: 'page of 50 tasks with their executions',
    concurrency: 1,
    writes: false,
    prepare: async (c) => c.pageWithExecutions && (() => c.pageWithExecutions!()),
  },
  {
    key: 'insert',
    label: 'single insert',
    concurrency: 1,
    writes: true,
    prepare: async (c) => c.insert && ((i) => c.insert!(`bench insert ${i}`)),
  },
  {
    key: 'update',
    label: 'update by id, version checked',
    concurrency: 1,
    writes: true,
    prepare: async (c, ctx, index) => {
      if (!c.update) return undefined;
      const ids = slice(ctx, 0, index);
      const versions = new Map<string, number>();
      return async (i) => {
        const id = ids[i % ids.length];
        versions.set(id, await c.update!(id, versions.get(id) ?? 1, i % 11));
      };
    },
  },
  {
    key: 'transaction',
    label: 'transaction: read, update, insert',
    concurrency: 1,
    writes: true,
    prepare: async (c, ctx, index) => {
      const ids = slice(ctx, 1, index);
      return c.transaction && ((i) => c.transaction!(ids[i % ids.length]));
    },
  },
  {
    key: 'soft-delete',
    label: 'soft delete (with executions)',
    concurrency: 1,
    writes: true,
    prepare: async (c, ctx) =>
      c.softDelete &&
      (() => {
        if (softDeleted >= ctx.ids.length - 2 * SLICE * ctx.contenders) throw new Error('soft delete: out of ids');
        return c.softDelete!(ctx.ids[softDeleted++]);
      }),
    // Warm-up, rounds and the CPU pass: rounds + 2 windows of at most maxOps each.
    maxOps: (ctx) => Math.floor((ctx.ids.length - 2 * SLICE * ctx.contenders) / ((ctx.rounds + 2) * ctx.contenders)),
  },
];

/**
 * Issue 18: a point read and an insert on `notes`, tenant-scoped (row-level security, the tenant
 * set in the statement's own round trip) against the same calls unscoped. Run with their own
 * contenders (raw pg, ours unscoped, ours tenant-scoped), after the others.
 */
export const TENANT_SCENARIOS: TimedScenario[] = [
  {
    key: 'tenant-point-read',
    label: 'tenant-scoped point read by id (c=1)',
    concurrency: 1,
    writes: false,
    prepare: async (c, ctx) => {
      const ids = ctx.tenant!.ids;
      return c.tenantPointRead && ((_i) => c.tenantPointRead!(ids[random(ids.length)]));
    },
  },
  {
    key: 'tenant-insert',
    label: 'tenant-scoped single insert',
    concurrency: 1,
    writes: true,
    prepare: async (c, ctx) => c.tenantInsert && ((i) => c.tenantInsert!(`bench note ${i}`, ctx.tenant!.id)),
  },
];

/** The scenarios that depend on the pool size (concurrency above it): also run with a smaller pool. */
export const POOL_SCENARIOS: TimedScenario[] = TIMED_SCENARIOS.filter((s) => s.key === 'point-read-c32');

/** `scenario` on pools of `poolSize` (its key and label say so). */
export function withPool(scenario: TimedScenario, poolSize: number): TimedScenario {
  return {
    ...scenario,
    key: `${scenario.key}-pool${poolSize}`,
    label: scenario.label.replace(/\)$/, `, pool ${poolSize})`),
  };
}
