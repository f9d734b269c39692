import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { redactConnectionUrl } from '../../src/database';
import { providePostgres, ProvidedPostgres } from '../support/postgres-provider';
import { createMigratedTemplate, HARNESS_ENV } from '../support/test-database';

declare global {
  var __TEST_POSTGRES__: { provided: ProvidedPostgres; template: string } | undefined;
}

/** Provisions PostgreSQL once per run and migrates the template every test database copies. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  Logger.overrideLogger(['error', 'warn']);
  const provided = await providePostgres();
  const template = `test_${randomBytes(4).toString('hex')}`;
  try {
    await createMigratedTemplate(provided.adminUrl, template);
  } catch (error) {
    await provided.stop();
    throw error;
  }
  globalThis.__TEST_POSTGRES__ = { provided, template };
  process.env[HARNESS_ENV.adminUrl] = provided.adminUrl;
  process.env[HARNESS_ENV.template] = template;
  process.stdout.write(
    `\n[test-db] PostgreSQL from ${provided.kind} at ${redactConnectionUrl(provided.adminUrl)}; ` +
      `migrated template ${template} ready in ${Date.now() - started} ms\n`,
  );
}
