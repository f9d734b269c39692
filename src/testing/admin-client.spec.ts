import { databaseUrl } from './admin-client';

describe('databaseUrl', () => {
  it('names another database on the same server, keeping role, password and parameters', () => {
    expect(databaseUrl('postgres://app:p%40ss@db.internal:5433/postgres?sslmode=require', 'test_ab12_cd')).toBe(
      'postgres://app:p%40ss@db.internal:5433/test_ab12_cd?sslmode=require',
    );
  });
});
