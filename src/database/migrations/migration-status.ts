import { isCurrentChecksumFormat } from './migration-checksums';

/** A migration in the code: its name, the timestamp its name ends with, and its current checksum. */
export interface CodeMigration {
  name: string;
  timestamp: number;
  checksum: string;
  /** False when the migration opted out of a transaction (`transaction = false`). */
  transaction: boolean;
}

/** A row of TypeORM's migrations table. */
export interface AppliedMigration {
  id: number;
  name: string;
  timestamp: number;
}

/** An applied migration whose code no longer matches the checksum recorded when it ran. */
export interface EditedMigration {
  name: string;
  recorded: string;
  current: string;
}

/** Where the database stands against the code, as every guarded entry point sees it. */
export interface MigrationStatus {
  /** Applied migrations, oldest first. */
  applied: AppliedMigration[];
  /** Code migrations not applied yet, in the order they would run. */
  pending: CodeMigration[];
  /** Applied migrations whose code changed since. */
  edited: EditedMigration[];
  /** Applied migrations no longer in the code. */
  missing: AppliedMigration[];
  /** Pending migrations older than the newest applied one. */
  outOfOrder: CodeMigration[];
  /** Applied migrations in the code with no checksum in the current format yet. */
  unrecorded: CodeMigration[];
}

/**
 * Compares the code's migrations with the applied ones and their recorded checksums.
 * Pure: the guard, `migration:show` and `migration:check` all judge from this one function.
 */
export function migrationStatus(
  code: CodeMigration[],
  applied: AppliedMigration[],
  recorded: ReadonlyMap<string, string>,
): MigrationStatus {
  const byName = new Map(code.map((m) => [m.name, m]));
  const appliedNames = new Set(applied.map((m) => m.name));
  const newestApplied = Math.max(-Infinity, ...applied.map((m) => m.timestamp));
  const status: MigrationStatus = {
    applied: [...applied].sort((a, b) => a.id - b.id),
    pending: code.filter((m) => !appliedNames.has(m.name)).sort((a, b) => a.timestamp - b.timestamp),
    edited: [],
    missing: [],
    outOfOrder: [],
    unrecorded: [],
  };
  status.outOfOrder = status.pending.filter((m) => m.timestamp < newestApplied);
  for (const row of status.applied) {
    const current = byName.get(row.name);
    const checksum = recorded.get(row.name);
    if (!current) status.missing.push(row);
    else if (checksum === undefined || !isCurrentChecksumFormat(checksum)) status.unrecorded.push(current);
    else if (checksum !== current.checksum) {
      status.edited.push({ name: row.name, recorded: checksum, current: current.checksum });
    }
  }
  return status;
}

/** @internal `a, b and 2 more`: names for a one-line message. */
export function nameList(names: string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
