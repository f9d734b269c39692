import { Logger } from '@nestjs/common';
import { appDataSourceOptions } from '../../src/app.data-source';
import { createPostgresGlobalSetup } from '../../src/testing';
import { checkSystemSuites } from '../support/cluster/system-suites';
import { newCanaryPassword } from '../support/test-database';

/** Provisions PostgreSQL once per run and migrates the app's template every test database copies. */
const postgresGlobalSetup = createPostgresGlobalSetup({
  embeddedPassword: newCanaryPassword(),
  dataSourceOptions: (url) => ({ ...appDataSourceOptions({ DATABASE_URL: url }), logging: ['error'] }),
});

export default async function globalSetup(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  checkSystemSuites();
  await postgresGlobalSetup();
}
