import type { DataSource } from 'typeorm';
import { GuardedDataSource } from './guarded.data-source';
import type { MigrationGuardOptions } from './migration-guard.options';
import { MigrationGuard } from './migration.guard';
import { nameList } from './migration-status';

/**
 * Exit codes of `migration:check`, one per finding. With several findings the first in this
 * order wins: edited, missing, out of order, pending, drift (the report names every finding: with
 * migrations pending and drift, it exits 10 and prints both).
 */
export const MIGRATION_CHECK_EXIT_CODES = {
  /** Every migration applied, checksums match, the schema matches the entities. */
  ok: 0,
  /** The check could not run (configuration, connection, lock timeout). */
  error: 1,
  /** Migrations are pending: `migration:run` applies them. */
  pending: 10,
  /** A pending migration is older than the newest applied one. */
  outOfOrder: 11,
  /** An applied migration's code changed since it ran. */
  edited: 12,
  /** An applied migration is not in the code. */
  missing: 13,
  /** The entities differ from the migrated schema: a migration is missing from the code. */
  drift: 14,
} as const;

/** What `migration:check` found: its exit code and the report it prints. */
export interface MigrationCheckResult {
  exitCode: number;
  lines: string[];
}

/**
 * The CI/deploy gate: waits for any run in progress (the migration lock), then reports edited,
 * missing, out-of-order and pending migrations, and schema drift with the SQL that would fix it:
 * with migrations pending, against the schema they leave, tried in a transaction that is rolled
 * back (read-only: nothing is committed), or unknown when one of them runs without a transaction.
 * `exitCode` follows {@link MIGRATION_CHECK_EXIT_CODES}.
 *
 * @example
 * const { exitCode, lines } = await checkMigrations(dataSource);
 */
export async function checkMigrations(
  dataSource: DataSource,
  options: MigrationGuardOptions = {},
): Promise<MigrationCheckResult> {
  const guard =
    dataSource instanceof GuardedDataSource ? dataSource.migrationGuard : new MigrationGuard(dataSource, options);
  const { status, drift, driftUnknown, triedPending } = await guard.verify();
  const codes: number[] = [];
  const lines: string[] = [];
  const finding = (code: number, line: string, ...detail: string[]) => {
    codes.push(code);
    lines.push(`${line} [exit ${code}]`, ...detail.map((d) => `  ${d}`));
  };
  const C = MIGRATION_CHECK_EXIT_CODES;
  for (const m of status.edited) {
    finding(
      C.edited,
      `EDITED: applied migration ${m.name} changed since it ran`,
      `recorded ${m.recorded}`,
      `now      ${m.current}`,
    );
  }
  if (status.edited.length > 0) {
    lines.push(
      '  restore the code of an applied migration and change the schema in a new one; if the edit is deliberate ' +
        `and changes nothing the database has, accept it: npm run migration:repair -- ${status.edited.map((m) => m.name).join(' ')}`,
    );
  }
  for (const m of status.missing)
    finding(C.missing, `MISSING: applied migration ${m.name} (id ${m.id}) is not in the code`);
  if (!guard.allowsOutOfOrder) {
    const newest = [...status.applied].sort((a, b) => b.timestamp - a.timestamp)[0]?.name;
    for (const m of status.outOfOrder) {
      finding(
        C.outOfOrder,
        `OUT OF ORDER: pending migration ${m.name} is older than the newest applied one (${newest})`,
      );
    }
  }
  if (status.pending.length > 0) {
    finding(
      C.pending,
      `PENDING: ${status.pending.length} migration(s) to apply: ${nameList(status.pending.map((m) => m.name))}`,
      'migration:run applies them',
    );
  }
  const tried = triedPending ? ' once the pending migrations are applied (tried in a transaction, rolled back)' : '';
  if (drift && drift.length > 0) {
    finding(
      C.drift,
      `DRIFT: the entities differ from the migrated schema${tried}; this SQL would make the schema match them:`,
      ...drift.map((sql) => `${sql};`),
      'generate a migration with it: npx typeorm migration:generate -d <your data-source file> <path/Name>',
    );
  } else if (drift && triedPending) {
    lines.push(`no drift: the entities match the schema${tried}`);
  }
  if (driftUnknown) {
    lines.push(
      `DRIFT UNKNOWN: ${driftUnknown}; check again once they are applied (migration:run, then migration:check)`,
    );
  }
  if (status.unrecorded.length > 0) {
    lines.push(
      `note: ${status.unrecorded.length} applied migration(s) have no checksum yet (applied before checksums were ` +
        `kept: ${nameList(status.unrecorded.map((m) => m.name))}); the next migration:run records them`,
    );
  }
  const order = [C.edited, C.missing, C.outOfOrder, C.pending, C.drift];
  const exitCode = order.find((code) => codes.includes(code)) ?? C.ok;
  if (exitCode === C.ok) {
    lines.unshift(
      `OK: ${status.applied.length} migration(s) applied, none pending, checksums match, schema matches the entities`,
    );
  }
  return { exitCode, lines };
}
