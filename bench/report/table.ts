import type { BenchResults, ScenarioResult } from './results';

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toPrecision(3));

function cell(s: ScenarioResult, contender: string): string {
  const r = s.results.find((x) => x.contender === contender);
  if (!r) return '—';
  const ratio = r.ratio === undefined ? '' : ` (${r.ratio.toFixed(2)}x)`;
  const rss = r.peakRssGrowthMb === undefined ? '' : `, +${r.peakRssGrowthMb} MB RSS`;
  return `${fmt(r.median)}${ratio} · ${fmt(r.statementsPerCall)} st${rss}`;
}

/** The medians as a Markdown table: one row per scenario, one column per contender. */
export function markdownTable(results: BenchResults): string {
  const contenders = results.meta.contenders;
  const lines = [
    `| scenario | unit | ${contenders.join(' | ')} |`,
    `| --- | --- | ${contenders.map(() => '---:').join(' | ')} |`,
    ...results.scenarios.map((s) => `| ${s.label} | ${s.unit} | ${contenders.map((c) => cell(s, c)).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** One paragraph on the run: machine, server, sizes, load. */
export function describeRun({ meta }: BenchResults): string {
  return [
    `${meta.date} · ${meta.quick ? 'quick' : 'full'} run · ${meta.nproc} × ${meta.cpu} · Node ${meta.node} · PostgreSQL ${meta.postgres} (${meta.database})`,
    `${meta.tasks.toLocaleString('en')} tasks · deep page after ${meta.deep.toLocaleString('en')} rows · pool ${meta.poolSize} · ${meta.rounds} rounds of ${meta.windowMs} ms after a warm-up · bulk ${meta.bulkRows.toLocaleString('en')} rows`,
    `load average at start ${meta.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${meta.loadAverageAtEnd.map((l) => l.toFixed(2)).join(' ')} · ${meta.durationS} s`,
  ].join('\n');
}
