import { randomBytes } from 'node:crypto';
import { redactConnectionUrl } from '../database/config/connection-url';
import { providePostgres, ProvidePostgresOptions } from './postgres-provider';
import { createTemplateDatabase, dropRunDatabases, TemplateSchemaOptions } from './template-database';
import { publishTestingServer } from './testing-env';
import { rememberTestingRun } from './testing-run';

/** Options of {@link createPostgresGlobalSetup}: where the server comes from, and the template's schema. */
export interface PostgresGlobalSetupOptions extends ProvidePostgresOptions, TemplateSchemaOptions {
  /** Receives the line that says which PostgreSQL the run uses. Default: written to stdout. */
  log?: (line: string) => void;
}

/**
 * A Jest `globalSetup`: provisions PostgreSQL once per run (see `providePostgres`), builds one
 * template database with your schema, and hands both to the test files, where
 * `createTestDatabase()` copies the template. Pair it with `postgresGlobalTeardown`.
 *
 * @example
 * // test/postgres.global-setup.ts, named by `globalSetup` in the jest config
 * export default createPostgresGlobalSetup({
 *   dataSourceOptions: (url) => ({ type: 'postgres', url, entities: [User], migrations: [CreateUsers1700000000000] }),
 * });
 */
export function createPostgresGlobalSetup(options: PostgresGlobalSetupOptions = {}): () => Promise<void> {
  const log = options.log ?? ((line: string) => void process.stdout.write(`\n${line}\n`));
  return async function postgresGlobalSetup(): Promise<void> {
    const started = Date.now();
    const provided = await providePostgres(options);
    const template = `test_${randomBytes(4).toString('hex')}`;
    try {
      await createTemplateDatabase(provided.adminUrl, template, options);
    } catch (error) {
      await dropRunDatabases(provided.adminUrl, template).catch(() => undefined);
      await provided.stop();
      throw error;
    }
    rememberTestingRun({ provided, template });
    publishTestingServer({ adminUrl: provided.adminUrl, template });
    log(
      `[test-db] PostgreSQL from ${provided.kind} at ${redactConnectionUrl(provided.adminUrl)}; ` +
        `template ${template} ready in ${Date.now() - started} ms`,
    );
  };
}
