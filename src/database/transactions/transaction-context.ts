import { ClsServiceManager } from 'nestjs-cls';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/** @internal One physical transaction: its connection and TypeORM's query runner and manager on it (possibly made on first use). */
export interface TransactionFrame {
  readonly queryRunner: QueryRunner;
  readonly manager: EntityManager;
  readonly client: PoolClient;
  /** Set when an inner joined scope failed: the outermost scope must roll back. */
  rollbackOnly: boolean;
  savepoints: number;
  /** The tenant set (transaction-locally) at its start, if any. */
  tenant?: string;
}

/** @internal A transactional scope: the frame it runs in and its after-commit hooks. */
export interface TransactionScope {
  frame: TransactionFrame;
  hooks: Array<() => unknown>;
}

const KEYS = new WeakMap<DataSource, symbol>();

function keyOf(dataSource: DataSource): symbol {
  let key = KEYS.get(dataSource);
  if (!key) {
    key = Symbol('transaction');
    KEYS.set(dataSource, key);
  }
  return key;
}

/** @internal The scope open in this async context for `dataSource`, if any. */
export function currentScope(dataSource: DataSource): TransactionScope | undefined {
  const cls = ClsServiceManager.getClsService();
  // `get` of a symbol answers undefined outside a context: one store lookup (`isActive()` first made two).
  return cls.get<TransactionScope | undefined>(keyOf(dataSource));
}

/** @internal Runs `fn` with `scope` (or none) as the current scope, inheriting the rest of the context. */
export function runInScope<R>(
  dataSource: DataSource,
  scope: TransactionScope | undefined,
  fn: () => Promise<R>,
): Promise<R> {
  const cls = ClsServiceManager.getClsService();
  return cls.run({ ifNested: 'inherit' }, () => {
    cls.set(keyOf(dataSource), scope);
    return fn();
  });
}
