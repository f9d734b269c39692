import type { DataSource } from 'typeorm';

/** First PostgreSQL major version whose `RETURNING` can name the old row (`RETURNING WITH (OLD AS o)`). */
export const RETURNING_OLD_SINCE = 18;

/** The server's major version as TypeORM read it when connecting (`SELECT version()`), if known. */
export function serverMajorVersion(dataSource: DataSource): number | undefined {
  const major = Number.parseInt(dataSource.driver.version ?? '', 10);
  return Number.isFinite(major) ? major : undefined;
}
