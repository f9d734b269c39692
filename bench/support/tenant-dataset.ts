import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** The tenant scenarios' data: an ordinary role, the tenant read and written, and its note ids. */
export interface TenantDataset {
  /** The bench database's URL as the role row-level security binds (not a superuser, no BYPASSRLS). */
  roleUrl: string;
  tenant: string;
  /** Ids of `tenant`'s live notes. */
  ids: string[];
}

/** Tenants the notes are spread over: a point read's policy filters one tenant among these. */
const TENANTS = 10;

/**
 * Loads `rows` notes spread over {@link TENANTS} tenants (one `INSERT … SELECT`, as the superuser
 * whom the policy does not bind) and creates the role the tenant-scoped contender connects as
 * (the bench's own role is a superuser: row-level security would not apply to it at all).
 */
export async function loadTenantDataset(dataSource: DataSource, url: string, rows: number): Promise<TenantDataset> {
  const tenants = Array.from({ length: TENANTS }, () => randomUUID());
  await dataSource.query('TRUNCATE notes');
  await dataSource.query(
    `INSERT INTO notes (tenant_id, title, body, created_at)
     SELECT ($1::uuid[])[1 + g % ${TENANTS}], 'note ' || g, 'body of note ' || g, now() - g * interval '1 second'
       FROM generate_series(1, $2::int) g`,
    [tenants, rows],
  );
  await dataSource.query('VACUUM ANALYZE notes');
  const role = `bench_tenant_${randomBytes(3).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await dataSource.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '${password}'`);
  await dataSource.query(`GRANT USAGE ON SCHEMA public TO "${role}"`);
  await dataSource.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${role}"`);
  const tenant = tenants[0];
  const ids = (await dataSource.query('SELECT id FROM notes WHERE tenant_id = $1 LIMIT 20000', [tenant])).map(
    (r: { id: string }) => r.id,
  );
  const roleUrl = new URL(url);
  roleUrl.username = role;
  roleUrl.password = password;
  return { roleUrl: roleUrl.toString(), tenant, ids };
}
