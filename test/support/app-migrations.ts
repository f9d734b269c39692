import { MigrationInterface } from 'typeorm';
import { InitialSchema1795320000000 } from '../../src/migrations/1795320000000-InitialSchema';
import { AuditLogSequentialIds1795400000000 } from '../../src/migrations/1795400000000-AuditLogSequentialIds';
import { TenantNotes1795500000000 } from '../../src/migrations/1795500000000-TenantNotes';
import { LiveTaskStatusIndex1795600000000 } from '../../src/migrations/1795600000000-LiveTaskStatusIndex';
import { appliedCounts, queryDb } from './migration-process';

/** The app's migrations, oldest first (`migrations.e2e` checks this against `src/migrations`). */
export const APP_MIGRATIONS: MigrationInterface[] = [
  new InitialSchema1795320000000(),
  new AuditLogSequentialIds1795400000000(),
  new TenantNotes1795500000000(),
  new LiveTaskStatusIndex1795600000000(),
];

/** Their names, oldest first. */
export const APP_MIGRATION_NAMES: string[] = APP_MIGRATIONS.map((m) => m.name!);

/** `ORDER BY` for rows named after migrations: by their timestamp, as they run. */
export const IN_ORDER = `ORDER BY substring(name FROM '[0-9]+$')::bigint`;

/**
 * After several processes migrated the database at `url` together: each app migration was applied and
 * its checksum recorded once, all by one process (`outputs`: every process's output), while every
 * other process found nothing to apply.
 */
export async function expectAppliedOnceByOne(url: string, outputs: string[]): Promise<void> {
  expect(await appliedCounts(url)).toEqual(Object.fromEntries(APP_MIGRATION_NAMES.map((n) => [n, 1])));
  expect(await queryDb(url, `SELECT name FROM migrations_checksums ${IN_ORDER}`)).toEqual(
    APP_MIGRATION_NAMES.map((name) => ({ name })),
  );
  const n = APP_MIGRATION_NAMES.length;
  const applied = new RegExp(`applied ${n} migration\\(s\\) in \\d+ ms`);
  const nothing = new RegExp(`nothing to apply: ${n} migration\\(s\\) applied, none pending`);
  expect(outputs.filter((o) => applied.test(o))).toHaveLength(1);
  expect(outputs.filter((o) => nothing.test(o))).toHaveLength(outputs.length - 1);
}
