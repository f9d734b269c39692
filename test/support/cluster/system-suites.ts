import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SYSTEM_INSTALL_COMMAND, SystemNeed, missingSystemNeeds } from './system-binaries';

const ROOT = join(__dirname, '..', '..', '..');
const CLUSTER_SUITES = join(ROOT, 'test', 'cluster');

/** Each suite under `test/cluster/` with what its `describeWithSystem([...])` calls need that this machine lacks. */
export function suitesMissingSystem(): Array<{ suite: string; missing: string[] }> {
  let files: string[];
  try {
    files = readdirSync(CLUSTER_SUITES).filter((name) => name.endsWith('.spec.ts'));
  } catch {
    return [];
  }
  return files.flatMap((name) => {
    const source = readFileSync(join(CLUSTER_SUITES, name), 'utf8');
    const needs = [...source.matchAll(/describeWithSystem\(\s*\[([^\]]*)\]/g)].flatMap(
      ([, list]) => (list.match(/pgbouncer|postgres-cluster/g) as SystemNeed[] | null) ?? [],
    );
    const missing = missingSystemNeeds([...new Set(needs)]);
    return missing.length ? [{ suite: relative(ROOT, join(CLUSTER_SUITES, name)), missing }] : [];
  });
}

/**
 * For the Jest global setup: one line naming the cluster suites that will not run and how to install
 * what they need; under `CI=true` a missing binary throws instead, failing the run.
 */
export function checkSystemSuites(): void {
  const lacking = suitesMissingSystem();
  if (!lacking.length) return;
  const list = lacking.map(({ suite, missing }) => `${suite} (needs ${missing.join(', ')})`).join('; ');
  const line = `NOT RUN: ${list}; install with: ${SYSTEM_INSTALL_COMMAND}`;
  if (process.env.CI === 'true') throw new Error(`CI=true and system binaries are missing. ${line}`);
  process.stderr.write(`\n${line}\n`);
}
