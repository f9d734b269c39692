import { BenchResults, LIMIT } from './results';

const COLORS = ['#2563eb', '#93c5fd', '#f97316', '#16a34a', '#9333ea', '#64748b'];
const LABEL_W = 270;
const CHART_W = 520;
const MAX_RATIO = 2;
const BAR_H = 11;

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A hand-written SVG bar chart of each contender's ratio to raw pg, per scenario. */
export function ratioChart(results: BenchResults): string {
  const contenders = results.meta.contenders.filter((c) => c !== LIMIT);
  const color = new Map(contenders.map((c, i) => [c, COLORS[i % COLORS.length]]));
  const x = (ratio: number) => LABEL_W + (Math.min(ratio, MAX_RATIO) / MAX_RATIO) * CHART_W;
  const parts: string[] = [];
  let y = 56;
  for (const s of results.scenarios) {
    const bars = s.results.filter((r) => r.contender !== LIMIT && r.ratio !== undefined);
    if (!bars.length) continue;
    const top = y;
    for (const r of bars) {
      const w = x(r.ratio!) - LABEL_W;
      parts.push(
        `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${color.get(r.contender)}"><title>${escape(r.contender)}: ${r.ratio!.toFixed(2)}x</title></rect>`,
        `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${y + BAR_H - 2}" font-size="10">${r.ratio!.toFixed(2)}x${r.ratio! > MAX_RATIO ? ' ▸' : ''}</text>`,
      );
      y += BAR_H + 2;
    }
    parts.push(
      `<text x="${LABEL_W - 8}" y="${(top + y) / 2 + 4}" font-size="12" text-anchor="end">${escape(s.label)}</text>`,
    );
    y += 12;
  }
  const height = y + 24;
  const grid = [0.5, 1, 1.5, 2].map(
    (r) =>
      `<line x1="${x(r)}" y1="40" x2="${x(r)}" y2="${y}" stroke="${r === 1 ? '#111' : '#ddd'}" stroke-width="${r === 1 ? 1.5 : 1}"/>` +
      `<text x="${x(r)}" y="${y + 14}" font-size="10" text-anchor="middle">${r === 1 ? '1x = raw pg' : `${r}x`}</text>`,
  );
  const legend = contenders.map(
    (c, i) =>
      `<rect x="${LABEL_W + i * 120}" y="22" width="10" height="10" fill="${color.get(c)}"/><text x="${LABEL_W + 14 + i * 120}" y="31" font-size="11">${escape(c)}</text>`,
  );
  const title = `Throughput as a ratio of raw pg (median, higher is better) · ${results.meta.quick ? 'quick' : 'full'} run ${results.meta.date.slice(0, 10)}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_W + CHART_W + 60}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="16" font-size="13" font-weight="bold">${escape(title)}</text>`,
    ...legend,
    ...grid,
    ...parts,
    `</svg>`,
    '',
  ].join('\n');
}
