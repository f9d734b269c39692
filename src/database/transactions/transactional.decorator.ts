import { TransactionManager } from './transaction.manager';
import type { TransactionOptions } from './transaction.options';
import { injectedManager, wireTransactional } from './transactional-wiring';

/**
 * Runs the decorated (async) method in a transaction, as `DatabaseService.transaction()` does.
 * Everything it calls through the module joins: repository services, injected TypeORM
 * repositories, `DataSource.manager`, `DatabaseService.query`. A provider or controller with such
 * a method fails at startup when the application has no `DatabaseModule.forRoot*`; on an object
 * Nest did not build, the method uses the running application's transactions, or throws.
 *
 * @example
 * @Transactional({ isolationLevel: 'SERIALIZABLE' })
 * async transfer(from: string, to: string, amount: number) { ... }
 */
export function Transactional(options: TransactionOptions = {}): MethodDecorator {
  return (target, key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    const isStatic = typeof target === 'function';
    const method = `${isStatic ? (target as Function).name : target.constructor.name}.${String(key)}()`;
    const wrapped = async function (this: unknown, ...args: unknown[]) {
      const manager = injectedManager(this) ?? TransactionManager.forDecorators(method);
      return manager.run(() => original.apply(this, args), options);
    };
    for (const metadataKey of Reflect.getOwnMetadataKeys(original)) {
      Reflect.defineMetadata(metadataKey, Reflect.getOwnMetadata(metadataKey, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    descriptor.value = wrapped;
    if (!isStatic) wireTransactional(target, method);
    return descriptor;
  };
}
