import { RepositoryFixture, repositoryFixture } from './support/repository-fixture';

/** Names of the prepared statements of the pool's only connection. */
async function preparedOnTheConnection(f: RepositoryFixture): Promise<string[]> {
  const pool = (f.dataSource.driver as unknown as { master: { query: (t: string) => Promise<{ rows: any[] }> } })
    .master;
  const { rows } = await pool.query('SELECT name FROM pg_prepared_statements ORDER BY name');
  return rows.map((r) => r.name);
}

describe.each([
  ['on (default)', {}, true],
  ['off (DB_PREPARED_STATEMENTS=false, for transaction-mode poolers)', { DB_PREPARED_STATEMENTS: 'false' }, false],
])('prepared statements %s', (_label, env, prepared) => {
  let f: RepositoryFixture;
  beforeAll(async () => {
    f = await repositoryFixture({ DB_POOL_MAX: '1', ...env });
  });
  afterAll(() => f?.close());

  it('gives the same results, prepared on the server only when on', async () => {
    const user = await f.users.create({ email: 'p@example.com', displayName: 'P' });
    expect((await f.users.findById(user.id))?.email).toBe('p@example.com');
    const updated = await f.users.update(user.id, { displayName: 'Q' }, { expectedVersion: 1 });
    expect(updated.version).toBe(2);
    await f.users.softDelete(user.id);
    expect((await f.users.restore(user.id)).version).toBe(4);
    const names = await preparedOnTheConnection(f);
    if (prepared)
      expect(names).toEqual(expect.arrayContaining(['users:findById', 'users:softDelete', 'users:restore']));
    else expect(names).toEqual([]);
  });
});
