import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from './report/results';
import { FLOORS, judge, TARGETS } from './targets';

/** `npm run bench:check`: compares bench/results/latest.json to the issue's targets; exit 1 on any miss. */
function main(): number {
  const file = join(__dirname, 'results', 'latest.json');
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  process.stdout.write(`${file}: ${results.meta.quick ? 'quick' : 'full'} run of ${results.meta.date}\n`);
  const verdicts = TARGETS.map((t) => judge(t, results));
  for (const v of verdicts) process.stdout.write(`${v.line}\n`);
  for (const floor of FLOORS) {
    const value = floor.measure(results);
    process.stdout.write(
      `floor ${floor.name}: ${value === undefined ? 'not measured' : `${value.toFixed(2)}${floor.unit}`}\n`,
    );
  }
  const misses = verdicts.filter((v) => !v.met).length;
  process.stdout.write(misses ? `${misses} of ${TARGETS.length} targets missed\n` : 'all targets met\n');
  return misses ? 1 : 0;
}

process.exitCode = main();
