import type { BenchResults, ContenderResult, ScenarioResult } from './results';
import type { MachineSpeedSummary } from '../support/machine-speed';

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3));

function cell(s: ScenarioResult, contender: string): string {
  const r = s.results.find((x) => x.contender === contender);
  if (!r) return '—';
  const ratio = r.ratio === undefined ? '' : ` (${r.ratio.toFixed(2)}x)`;
  const st = r.statementsPerCall === undefined ? '' : ` · ${fmt(r.statementsPerCall)} st`;
  const rss = r.peakRssGrowthMb === undefined ? '' : `, +${r.peakRssGrowthMb} MB RSS`;
  const cpu = r.cpu
    ? ` · CPU ${fmt(r.cpu.clientUs)}${r.cpu.serverUs === undefined ? '' : ` + ${fmt(r.cpu.serverUs)}`} µs`
    : '';
  const redone = r.redoneCalls ? ` · ${r.redoneCalls} redone` : '';
  return `${fmt(r.median)}${ratio}${st}${cpu}${rss}${redone}`;
}

/** The throughput medians as a Markdown table: one row per scenario, one column per contender. */
export function markdownTable(results: BenchResults): string {
  const scenarios = results.scenarios.filter((s) => s.unit !== 'ms');
  const contenders = results.meta.contenders.filter((c) =>
    scenarios.some((s) => s.results.some((r) => r.contender === c)),
  );
  const lines = [
    `| scenario | unit | ${contenders.join(' | ')} |`,
    `| --- | --- | ${contenders.map(() => '---:').join(' | ')} |`,
    ...scenarios.map((s) => `| ${s.label} | ${s.unit} | ${contenders.map((c) => cell(s, c)).join(' | ')} |`),
  ];
  return lines.join('\n');
}

function latency(r: ContenderResult | undefined): string {
  if (!r || r.p50Ms === undefined || r.p99Ms === undefined) return '—';
  const other = Object.entries(r.statuses ?? {})
    .filter(([status]) => status !== '200')
    .map(([status, n]) => `, ${n.toLocaleString('en')}× ${status}`)
    .join('');
  const st = r.statementsPerCall === undefined ? '' : ` · ${fmt(r.statementsPerCall)} st`;
  const range = r.p99RangeMs ? ` (${r.p99RangeMs.map((ms) => ms.toFixed(2)).join('–')})` : '';
  return `${r.p50Ms.toFixed(2)} / **${r.p99Ms.toFixed(2)}**${range} ms · ${(r.requests ?? 0).toLocaleString('en')} req${other}${st}`;
}

/** The latency scenarios (health) as a Markdown table: p50 / p99 per check, or nothing when none ran. */
export function latencyTable(results: BenchResults): string | undefined {
  const scenarios = results.scenarios.filter((s) => s.unit === 'ms');
  if (!scenarios.length) return undefined;
  const checks = [...new Set(scenarios.flatMap((s) => s.results.map((r) => r.contender)))];
  return [
    `| scenario | ${checks.map((c) => `${c}: p50 / **p99**`).join(' | ')} |`,
    `| --- | ${checks.map(() => '---:').join(' | ')} |`,
    ...scenarios.map(
      (s) => `| ${s.label} | ${checks.map((c) => latency(s.results.find((r) => r.contender === c))).join(' | ')} |`,
    ),
  ].join('\n');
}

/** One paragraph on the run: machine, server, sizes, load. */
export function describeRun({ meta }: BenchResults): string {
  const pools = meta.poolSizes?.length ? meta.poolSizes.join(' and ') : String(meta.poolSize);
  return [
    `${meta.date} · ${meta.quick ? 'quick' : 'full'} run · ${meta.nproc} × ${meta.cpu} · Node ${meta.node} · PostgreSQL ${meta.postgres} (${meta.database})`,
    `${meta.tasks.toLocaleString('en')} tasks · deep page after ${meta.deep.toLocaleString('en')} rows · pool ${meta.poolSize} (scenarios labelled otherwise: pools ${pools}) · ${meta.rounds} rounds of ${meta.windowMs} ms after a warm-up · bulk ${meta.bulkRows.toLocaleString('en')} rows`,
    `load average at start ${meta.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${meta.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')}${meta.stealPercent === undefined ? '' : ` · CPU time stolen by the hypervisor: ${meta.stealPercent.toFixed(1)}%`} · ${meta.durationS} s`,
    ...(meta.machine ? [machineLine(meta.machine)] : []),
  ].join('\n');
}

/** The machine probe's line: how often the same query ran slow during the run. */
function machineLine(m: MachineSpeedSummary): string {
  return [
    `machine probe (the same query, ${m.probes} times: each scenario's start, each bulk call's end):`,
    `fastest ${m.fastestMs} ms, median ${m.medianMs} ms, ${Math.round(m.slowShare * 100)}% of them at least 1.25x the fastest`,
    `· ${m.waitedS} s waited for full speed before bulk calls (${m.gaveUp} waits given up)`,
  ].join(' ');
}
