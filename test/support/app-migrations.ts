import { MigrationInterface } from 'typeorm';
import { InitialSchema1795320000000 } from '../../src/migrations/1795320000000-InitialSchema';
import { AuditLogSequentialIds1795400000000 } from '../../src/migrations/1795400000000-AuditLogSequentialIds';

/** The app's migrations, oldest first (`migrations.e2e` checks this against `src/migrations`). */
export const APP_MIGRATIONS: MigrationInterface[] = [
  new InitialSchema1795320000000(),
  new AuditLogSequentialIds1795400000000(),
];

/** Their names, oldest first. */
export const APP_MIGRATION_NAMES: string[] = APP_MIGRATIONS.map((m) => m.name!);

/** `{ name: 1 }` for each app migration: every one applied exactly once. */
export const EACH_APPLIED_ONCE: Record<string, number> = Object.fromEntries(APP_MIGRATION_NAMES.map((n) => [n, 1]));

/** `ORDER BY` for rows named after migrations: by their timestamp, as they run. */
export const IN_ORDER = `ORDER BY substring(name FROM '[0-9]+$')::bigint`;
