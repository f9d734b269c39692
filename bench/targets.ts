import type { BenchResults } from './report/results';

/** One target of issue 7 (or issue 9's audit cost), checked against a run's results. */
export interface Target {
  name: string;
  /** The measured figure, or undefined when the run has none. */
  measure(results: BenchResults): number | undefined;
  /** Passes when the figure is at least (`min`) or below (`max`) this bound. */
  min?: number;
  max?: number;
  unit: string;
}

const OURS = 'ours';

function median(r: BenchResults, scenario: string, contender: string): number | undefined {
  return r.scenarios.find((s) => s.key === scenario)?.results.find((x) => x.contender === contender)?.median;
}

function ratio(scenario: string, of: string, to: string) {
  return (r: BenchResults) => {
    const a = median(r, scenario, of);
    const b = median(r, scenario, to);
    return a !== undefined && b ? a / b : undefined;
  };
}

function p99(scenario: string) {
  return (r: BenchResults) =>
    r.scenarios.find((s) => s.key === scenario)?.results.find((x) => x.contender === OURS)?.p99Ms;
}

const AUDIT_ON = 'ours (audit on)';

/** The issues' targets (ratios in the same run); never lowered to fit a result. */
export const TARGETS: Target[] = [
  { name: 'point read (c=1) vs raw pg', measure: ratio('point-read-c1', OURS, 'raw pg'), min: 0.9, unit: 'x' },
  {
    name: 'point read (c=1) vs TypeORM findOneBy',
    measure: ratio('point-read-c1', OURS, 'TypeORM'),
    min: 2,
    unit: 'x',
  },
  ...[10, 5].flatMap((pool): Target[] => {
    const key = pool === 10 ? 'point-read-c32' : `point-read-c32-pool${pool}`;
    return [
      { name: `point read (c=32, pool ${pool}) vs raw pg`, measure: ratio(key, OURS, 'raw pg'), min: 0.9, unit: 'x' },
      {
        name: `point read (c=32, pool ${pool}) vs TypeORM findOneBy`,
        measure: ratio(key, OURS, 'TypeORM'),
        min: 2,
        unit: 'x',
      },
    ];
  }),
  { name: 'single insert vs raw pg', measure: ratio('insert', OURS, 'raw pg'), min: 0.9, unit: 'x' },
  {
    name: 'tenant-scoped point read vs unscoped (issue 18)',
    measure: ratio('tenant-point-read', 'ours (tenant-scoped)', 'ours (unscoped)'),
    min: 0.8,
    unit: 'x',
  },
  {
    name: 'tenant-scoped single insert vs unscoped (issue 18)',
    measure: ratio('tenant-insert', 'ours (tenant-scoped)', 'ours (unscoped)'),
    min: 0.8,
    unit: 'x',
  },
  { name: 'update vs raw pg', measure: ratio('update', OURS, 'raw pg'), min: 0.9, unit: 'x' },
  {
    name: 'single insert, audit trail on / off (issue 9)',
    measure: ratio('insert', AUDIT_ON, OURS),
    min: 0.8,
    unit: 'x',
  },
  { name: 'update, audit trail on / off (issue 9)', measure: ratio('update', AUDIT_ON, OURS), min: 0.8, unit: 'x' },
  { name: 'bulk insert vs COPY', measure: ratio('bulk-insert', OURS, 'raw pg'), min: 0.8, unit: 'x' },
  { name: 'bulk insert vs TypeORM insert', measure: ratio('bulk-insert', OURS, 'TypeORM'), min: 4, unit: 'x' },
  {
    name: 'keyset deep page latency / first page latency',
    measure: (r) => {
      const first = median(r, 'page-keyset-first', OURS);
      const deep = median(r, 'page-keyset-deep', OURS);
      return first && deep ? first / deep : undefined;
    },
    max: 1.5,
    unit: 'x',
  },
  {
    name: 'streaming peak RSS growth',
    measure: (r) =>
      r.scenarios.find((s) => s.key === 'stream')?.results.find((x) => x.contender === OURS)?.peakRssGrowthMb,
    max: 100,
    unit: ' MB',
  },
  ...[10, 5].flatMap((pool): Target[] => [
    { name: `health check p99, idle (pool ${pool})`, measure: p99(`health-idle-pool${pool}`), max: 2, unit: ' ms' },
    {
      name: `health check p99, main pool saturated (pool ${pool})`,
      measure: p99(`health-saturated-pool${pool}`),
      max: 5,
      unit: ' ms',
    },
  ]),
];

/** Whether a figure meets its target, and a line saying so. */
export function judge(target: Target, results: BenchResults): { met: boolean; line: string } {
  const value = target.measure(results);
  const bound = target.min !== undefined ? `≥ ${target.min}${target.unit}` : `< ${target.max}${target.unit}`;
  if (value === undefined) return { met: false, line: `MISS ${target.name}: not measured (target ${bound})` };
  const met = target.min !== undefined ? value >= target.min : value < target.max!;
  const by =
    target.min !== undefined
      ? `${((1 - value / target.min) * 100).toFixed(0)}% short`
      : `${((value / target.max! - 1) * 100).toFixed(0)}% over`;
  return {
    met,
    line: `${met ? 'ok  ' : 'MISS'} ${target.name}: ${value.toFixed(2)}${target.unit} (target ${bound}${met ? '' : `, ${by}`})`,
  };
}
