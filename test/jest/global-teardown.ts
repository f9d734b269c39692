import { withAdminClient } from '../support/test-database';

/** Drops this run's databases and stops what the global setup started, whatever the outcome. */
export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__TEST_POSTGRES__;
  if (!state) return;
  try {
    await withAdminClient(state.provided.adminUrl, async (c) => {
      const { rows } = await c.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || $2)',
        [state.template, '_'],
      );
      for (const { datname } of rows)
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`);
    });
  } finally {
    await state.provided.stop();
  }
}
