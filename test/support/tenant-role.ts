import { randomBytes, randomUUID } from 'node:crypto';
import { TestDatabase, withAdminClient } from './test-database';

/** An ordinary login role for the app on one test database: not a superuser, no BYPASSRLS. */
export interface TenantRole {
  name: string;
  /** The test database's URL with this role's credentials. */
  url: string;
  /** Drops the role (after its database is dropped: it owns `notes` there). */
  drop(): Promise<void>;
}

/**
 * Creates the role the app connects as in the tenancy specs (the run's admin role is a superuser,
 * which row-level security never binds), with the privileges the app needs, and makes it the
 * owner of `notes`: FORCE ROW LEVEL SECURITY must bind the table's owner too.
 */
export async function createTenantRole(db: TestDatabase): Promise<TenantRole> {
  const name = `tenant_app_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await withAdminClient(db.url, async (c) => {
    const role = c.escapeIdentifier(name);
    await c.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD ${c.escapeLiteral(password)}`);
    await c.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    await c.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    await c.query(`ALTER TABLE notes OWNER TO ${role}`);
  });
  const url = new URL(db.url);
  url.username = name;
  url.password = password;
  const server = new URL(db.url);
  server.pathname = '/postgres';
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await withAdminClient(server.toString(), (c) => c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(name)}`));
    },
  };
}

/** Two tenants' ids. */
export const tenants = () => ({ a: randomUUID(), b: randomUUID() });
