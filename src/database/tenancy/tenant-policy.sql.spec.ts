import { tenantColumnDefaultSql } from './tenant-column.decorator';
import { dropTenantPolicySql, tenantPolicySql } from './tenant-policy.sql';

describe('tenantPolicySql', () => {
  it('enables and forces row-level security, with one policy comparing the column to the setting', () => {
    expect(tenantPolicySql({ table: 'notes' })).toEqual([
      'ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY',
      'ALTER TABLE "notes" FORCE ROW LEVEL SECURITY',
      `CREATE POLICY "notes_tenant_isolation" ON "notes" USING ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("tenant_id" = NULLIF(current_setting('app.tenant_id', true), '')::uuid)`,
    ]);
  });

  it('quotes every identifier it is given, and refuses a type outside its list', () => {
    const [, , policy] = tenantPolicySql({
      schema: 'a"b',
      table: 'x"; DROP TABLE y; --',
      column: 'org',
      type: 'bigint',
    });
    expect(policy).toBe(
      `CREATE POLICY "x""; DROP TABLE y; --_tenant_isolation" ON "a""b"."x""; DROP TABLE y; --" USING ("org" = NULLIF(current_setting('app.tenant_id', true), '')::bigint) WITH CHECK ("org" = NULLIF(current_setting('app.tenant_id', true), '')::bigint)`,
    );
    expect(() => tenantPolicySql({ table: 't', type: 'uuid; DROP TABLE t' as never })).toThrow(TypeError);
    expect(() => tenantColumnDefaultSql('int; --' as never)).toThrow(TypeError);
  });

  it('undoes itself for a migration’s down', () => {
    expect(dropTenantPolicySql({ table: 'notes' })).toEqual([
      'DROP POLICY IF EXISTS "notes_tenant_isolation" ON "notes"',
      'ALTER TABLE "notes" NO FORCE ROW LEVEL SECURITY',
      'ALTER TABLE "notes" DISABLE ROW LEVEL SECURITY',
    ]);
  });

  it('gives the column default that stamps the statement’s tenant', () => {
    expect(tenantColumnDefaultSql()).toBe(`current_setting('app.tenant_id', true)::uuid`);
    expect(tenantColumnDefaultSql('text')).toBe(`current_setting('app.tenant_id', true)`);
  });
});
