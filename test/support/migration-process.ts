import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');
/** The guarded data-source file the migration specs point the CLI at, with `TEST_MIGRATIONS_DIR`. */
export const FIXTURE_DATA_SOURCE = join(ROOT, 'test', 'fixtures', 'fixture-migrations.data-source.ts');
const TYPEORM_CLI = join(ROOT, 'node_modules', 'typeorm', 'cli.js');
/** The package's command line (`nest-pg-database`), from its TypeScript source. */
const PACKAGE_CLI = join(ROOT, 'src', 'database', 'cli.ts');

/** A finished or running child process and everything it printed. */
export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code, or the signal name. */
  exited(): Promise<number | string>;
  /** Resolves once the output matches `pattern`; rejects if the process exits first. */
  printed(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/** Runs `node [-r ts-node/register] <args>` in the repository (or `cwd`) with exactly `env` (plus PATH). */
export function spawnNode(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { tsNode?: boolean; cwd?: string } = {},
): CliProcess {
  const preload = options.tsNode === false ? [] : ['-r', 'ts-node/register'];
  const child = spawn(process.execPath, [...preload, ...args], {
    cwd: options.cwd ?? ROOT,
    env: {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      TS_NODE_TRANSPILE_ONLY: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer) => {
    out += d;
    listeners.forEach((l) => l());
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => out,
    exited: () => exit,
    printed: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
        const done = (error?: Error) => {
          clearTimeout(deadline);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = () => pattern.test(out) && done();
        listeners.add(check);
        void exit.then((code) => done(pattern.test(out) ? undefined : new Error(`exited (${code}) first:\n${out}`)));
        check();
      }),
  };
}

/** The exit code and output of a finished process, so a failed expectation shows what it printed. */
export async function finished(run: CliProcess): Promise<{ code: number | string; output: string }> {
  const code = await run.exited();
  return { code, output: run.output() };
}

/** `typeorm <command> -d <dataSource>` through ts-node, as `npm run migration:*` runs it. */
export function typeormCli(command: string, dataSource: string, env: NodeJS.ProcessEnv): CliProcess {
  return spawnNode([TYPEORM_CLI, command, '-d', dataSource], env);
}

/** `migration:check -d <dataSource>` through ts-node, as `npm run migration:check` runs it. */
export function checkCli(dataSource: string, env: NodeJS.ProcessEnv): CliProcess {
  return spawnNode([PACKAGE_CLI, 'migration:check', '-d', dataSource], env);
}

/** `migration:repair -d <dataSource> <names…>` through ts-node. */
export function repairCli(dataSource: string, names: string[], env: NodeJS.ProcessEnv): CliProcess {
  return spawnNode([PACKAGE_CLI, 'migration:repair', '-d', dataSource, ...names], env);
}

/** A temporary directory of migration files, for the fixture data source. */
export interface MigrationDir {
  dir: string;
  /** Environment that points the fixture data source at this directory. */
  env: NodeJS.ProcessEnv;
  /** Writes (or overwrites) `<timestamp>-<name>.ts` with a migration running `up` and `down` SQL. */
  write(name: string, timestamp: number, up: string, down: string, extra?: string): Promise<string>;
  remove(name: string, timestamp: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** A fresh temporary migrations directory. */
export async function migrationDir(): Promise<MigrationDir> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-pg-migrations-'));
  const file = (name: string, timestamp: number) => join(dir, `${timestamp}-${name}.ts`);
  return {
    dir,
    env: { TEST_MIGRATIONS_DIR: dir },
    write: async (name, timestamp, up, down, extra = '') => {
      const source =
        `export class ${name}${timestamp} {\n${extra}\n` +
        `  async up(q: any) {\n    await q.query(\`${up}\`);\n  }\n` +
        `  async down(q: any) {\n    await q.query(\`${down}\`);\n  }\n}\n`;
      await writeFile(file(name, timestamp), source);
      return `${name}${timestamp}`;
    },
    remove: (name, timestamp) => rm(file(name, timestamp)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs one query on `url` with a short-lived client. */
export async function queryDb<T = any>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Names in TypeORM's migrations table with how often each was recorded. */
export async function appliedCounts(url: string): Promise<Record<string, number>> {
  const rows = await queryDb<{ name: string; n: number }>(
    url,
    `SELECT name, count(*)::int AS n FROM migrations GROUP BY name ORDER BY name`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

/** Whether `table` exists in the public schema of `url`. */
export async function tableExists(url: string, table: string): Promise<boolean> {
  const [row] = await queryDb(url, `SELECT to_regclass($1) IS NOT NULL AS present`, [`public.${table}`]);
  return row.present;
}
