import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { appDataSourceOptions } from '../../src/app.data-source';

/** Environment variables the global setup hands to the test files. */
export const HARNESS_ENV = { adminUrl: 'TEST_PG_ADMIN_URL', template: 'TEST_PG_TEMPLATE' } as const;

/**
 * The run's database password when it is a canary (`canary-…`, the embedded server's), else
 * undefined (a `TEST_DATABASE_URL` password may be a common word that answers legitimately contain).
 */
export function harnessCanaryPassword(): string | undefined {
  const url = process.env[HARNESS_ENV.adminUrl];
  const password = url ? decodeURIComponent(new URL(url).password) : '';
  return password.startsWith('canary-') ? password : undefined;
}

/** The URL of `database` on the server `baseUrl` points at. */
export function urlFor(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Runs `fn` with a client on the admin URL, then closes it. */
export async function withAdminClient<T>(adminUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `name` and applies every migration to it; the template each test database copies. */
export async function createMigratedTemplate(adminUrl: string, name: string): Promise<void> {
  await withAdminClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)}`);
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  });
  const dataSource = new DataSource({
    ...appDataSourceOptions({ DATABASE_URL: urlFor(adminUrl, name) }),
    logging: ['error'],
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

/** A fresh, migrated database of one test file. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Environment that points the app at this database. */
  env: NodeJS.ProcessEnv;
  drop(): Promise<void>;
}

function harness(): { adminUrl: string; template: string } {
  const adminUrl = process.env[HARNESS_ENV.adminUrl];
  const template = process.env[HARNESS_ENV.template];
  if (!adminUrl || !template) throw new Error('the Jest global setup did not run (test/jest/global-setup.ts)');
  return { adminUrl, template };
}

/** Copies the migrated template into a new database no other test file sees. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const { adminUrl, template } = harness();
  const name = `${template}_${randomBytes(5).toString('hex')}`;
  await withAdminClient(adminUrl, async (c) => {
    const source = options.migrated === false ? 'template0' : template;
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE ${c.escapeIdentifier(source)}`);
  });
  const url = urlFor(adminUrl, name);
  return {
    name,
    url,
    env: { NODE_ENV: 'test', DATABASE_URL: url },
    drop: () =>
      withAdminClient(adminUrl, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}
