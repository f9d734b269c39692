import type { DataSource } from 'typeorm';
import { currentScope, runInScope, TransactionFrame } from '../transactions/transaction-context';
import { currentTenant } from './tenant-context';
import { SET_TENANT_SQL } from './tenant-query';
import { TenantContextError } from './tenant.errors';

/**
 * @internal Runs `fn` (TypeORM calls on the ambient manager, about tenant-scoped `entity`) in a
 * short transaction whose first statement sets the tenant when no transaction is open, or as it is
 * in the open one; without a tenant in context, refuses ({@link TenantContextError}). TypeORM's repository runs its own statements, which the module cannot
 * precede by the one-round-trip setting, so this is how `RepositoryService.find`, `findOne`,
 * `count` and `exists` see their tenant's rows (4 round trips instead of 1).
 */
export async function inTenantTransaction<R>(dataSource: DataSource, entity: string, fn: () => Promise<R>): Promise<R> {
  const tenant = currentTenant();
  if (tenant === undefined) throw TenantContextError.missing(entity);
  if (currentScope(dataSource)) return fn();
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.connect();
    await queryRunner.startTransaction();
    await queryRunner.query(SET_TENANT_SQL, [tenant]);
    const frame: TransactionFrame = {
      queryRunner,
      manager: queryRunner.manager,
      client: (queryRunner as unknown as { databaseConnection: TransactionFrame['client'] }).databaseConnection,
      rollbackOnly: false,
      savepoints: 0,
      tenant,
    };
    const result = await runInScope(dataSource, { frame, hooks: [] }, fn);
    await queryRunner.commitTransaction();
    return result;
  } catch (error) {
    if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await queryRunner.release().catch(() => undefined);
  }
}
