import type { DataSource } from 'typeorm';

/** First PostgreSQL major version whose `RETURNING` can name the old row (`RETURNING WITH (OLD AS o)`). */
export const RETURNING_OLD_SINCE = 18;

/** The server's major version as TypeORM read it when connecting (`SELECT version()`), if known. */
export function serverMajorVersion(dataSource: DataSource): number | undefined {
  const major = Number.parseInt(dataSource.driver.version ?? '', 10);
  return Number.isFinite(major) ? major : undefined;
}

/**
 * Whether the server has `RETURNING OLD`. Settled at once when the version is known (the
 * DataSource connected before the repository was built); otherwise asked again when a statement
 * is compiled, so a repository built during a degraded start learns it once connected. False
 * while unknown.
 */
export function returningOldSupport(dataSource: DataSource): () => boolean {
  const known = () => {
    const major = serverMajorVersion(dataSource);
    return major === undefined ? undefined : major >= RETURNING_OLD_SINCE;
  };
  let settled = known();
  return () => (settled ??= known()) ?? false;
}
