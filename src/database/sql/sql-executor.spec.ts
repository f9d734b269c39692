import { DataSource } from 'typeorm';
import { DatabaseUnavailableError } from '../errors/database-unavailable.error';
import { SqlExecutor } from './sql-executor';

describe('SqlExecutor read and write paths', () => {
  // A DataSource that never connects: the executor has no pool, as before startup or after close.
  const executor = new SqlExecutor(new DataSource({ type: 'postgres' }), { preparedStatements: true });

  it.each([
    ['read', () => executor.read({ name: 'users:findById', text: 'SELECT 1' }, [1], undefined, 'array')],
    ['readText', () => executor.readText('SELECT 1', [])],
    ['run', () => executor.run({ name: 'users:insert', text: 'SELECT 1' }, [1])],
  ])('%s without a connection returns a rejected promise (DatabaseUnavailableError), never throws', async (_, call) => {
    let promise: Promise<unknown> | undefined;
    expect(() => (promise = call())).not.toThrow();
    await expect(promise).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });
});
