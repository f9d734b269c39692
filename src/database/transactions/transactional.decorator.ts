import { TransactionManager } from './transaction.manager';
import type { TransactionOptions } from './transaction.options';

/**
 * Runs the decorated (async) method in a transaction, as `DatabaseService.transaction()` does.
 * Everything it calls through the module joins: repository services, injected TypeORM
 * repositories, `DataSource.manager`, `DatabaseService.query`.
 *
 * @example
 * @Transactional({ isolationLevel: 'SERIALIZABLE' })
 * async transfer(from: string, to: string, amount: number) { ... }
 */
export function Transactional(options: TransactionOptions = {}): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    const wrapped = function (this: unknown, ...args: unknown[]) {
      return TransactionManager.forDecorators().run(() => original.apply(this, args), options);
    };
    for (const key of Reflect.getOwnMetadataKeys(original)) {
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    descriptor.value = wrapped;
    return descriptor;
  };
}
