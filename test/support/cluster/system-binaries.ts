import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What a suite under `test/cluster/` needs from the operating system. */
export type SystemNeed = 'pgbouncer' | 'postgres-cluster';

/** The one command that installs everything the cluster suites need (Debian/Ubuntu, as root). */
export const SYSTEM_INSTALL_COMMAND = 'apt-get install -y pgbouncer postgresql-15';

/** When set, binaries are looked up in this one directory only (to simulate missing ones, or to point at a build). */
export const SYSTEM_BINARIES_DIR_ENV = 'NEST_PG_SYSTEM_BINARIES_DIR';

const POSTGRES_ROOT = '/usr/lib/postgresql';
const CLUSTER_BINARIES = ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup'];
/** The OS user PostgreSQL and PgBouncer run as when the tests run as root (both refuse root). */
export const SYSTEM_OS_USER = 'postgres';

function overrideDir(): string | undefined {
  return process.env[SYSTEM_BINARIES_DIR_ENV] || undefined;
}

function firstWith(dirs: string[], name: string): string | undefined {
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

/** `/usr/lib/postgresql/<major>/bin`, highest major first. */
function postgresBinDirs(): string[] {
  const override = overrideDir();
  if (override) return [override];
  if (!existsSync(POSTGRES_ROOT)) return [];
  return readdirSync(POSTGRES_ROOT)
    .filter((major) => /^\d+$/.test(major))
    .sort((a, b) => Number(b) - Number(a))
    .map((major) => join(POSTGRES_ROOT, major, 'bin'));
}

/** The PostgreSQL binary `name` from the highest installed major that has it, or `undefined`. */
export function findPostgresBin(name: string): string | undefined {
  return firstWith(postgresBinDirs(), name);
}

/** The PostgreSQL binary `name` from the highest installed major that has it; throws naming the install command. */
export function postgresBin(name: string): string {
  const path = findPostgresBin(name);
  if (!path) throw new Error(`PostgreSQL binary ${name} not found; install with: ${SYSTEM_INSTALL_COMMAND}`);
  return path;
}

/** The `pgbouncer` binary on PATH (or in /usr/sbin), or `undefined`. */
export function findPgbouncerBin(): string | undefined {
  const override = overrideDir();
  const dirs = override
    ? [override]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  return firstWith(dirs, 'pgbouncer');
}

/** The `pgbouncer` binary; throws naming the install command. */
export function pgbouncerBin(): string {
  const path = findPgbouncerBin();
  if (!path) throw new Error(`pgbouncer not found; install with: ${SYSTEM_INSTALL_COMMAND}`);
  return path;
}

function osUserExists(name: string): boolean {
  if (process.getuid?.() !== 0) return true;
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .some((line) => line.startsWith(`${name}:`));
  } catch {
    return false;
  }
}

/** What of `needs` is missing on this machine, each named for a human ("pgbouncer", "pg_basebackup (postgresql-15)"). */
export function missingSystemNeeds(needs: readonly SystemNeed[]): string[] {
  const missing: string[] = [];
  if (needs.includes('postgres-cluster')) {
    const dir = postgresBinDirs().find((d) => CLUSTER_BINARIES.every((name) => existsSync(join(d, name))));
    if (!dir) {
      const absent = CLUSTER_BINARIES.filter((name) => !findPostgresBin(name));
      missing.push(`PostgreSQL ${(absent.length ? absent : CLUSTER_BINARIES).join(', ')} (postgresql-15)`);
    }
  }
  if (needs.includes('pgbouncer') && !findPgbouncerBin()) missing.push('pgbouncer');
  if (needs.length && !osUserExists(SYSTEM_OS_USER))
    missing.push(`OS user ${SYSTEM_OS_USER} (created by postgresql-15)`);
  return missing;
}

/** What a suite lacks and how to install it. */
export function missingSystemMessage(title: string, missing: readonly string[]): string {
  return `${title} needs ${missing.join(', ')}; install with: ${SYSTEM_INSTALL_COMMAND}`;
}

/**
 * `describe(title, fn)` when the machine has everything in `needs`; otherwise, under `CI=true`, a failing
 * test naming what is missing, and locally `describe.skip` plus one "NOT RUN" line on stderr.
 */
export function describeWithSystem(needs: SystemNeed[], title: string, fn: () => void): void {
  const missing = missingSystemNeeds(needs);
  if (!missing.length) {
    describe(title, fn);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it('has the system binaries it needs', () => {
        throw new Error(missingSystemMessage(title, missing));
      });
    });
  } else {
    process.stderr.write(`NOT RUN: ${missingSystemMessage(title, missing)}\n`);
    describe.skip(title, fn);
  }
}
