import { DataSource, EntityManager, Repository } from 'typeorm';
import { currentScope } from './transaction-context';

/**
 * Replaces `dataSource.manager` with a proxy that routes every call to the manager of the
 * transaction open in the async context, or to the DataSource's own manager outside one.
 * Repositories handed out by `getRepository` (what `@InjectRepository()` receives) are bound to
 * the proxy, so they join open transactions too. Call before any repository is created.
 */
export function installAmbientManager(dataSource: DataSource): DataSource {
  const base = dataSource.manager;
  const repositories = new Map<unknown, Repository<any>>();
  const proxy: EntityManager = new Proxy(base, {
    get(target, property) {
      if (property === 'getRepository') {
        return (entity: any) => {
          if (dataSource.getMetadata(entity).treeType) return target.getRepository(entity);
          let repository = repositories.get(entity);
          if (!repository) {
            repository = new Repository(entity, proxy);
            repositories.set(entity, repository);
          }
          return repository;
        };
      }
      const manager = currentScope(dataSource)?.frame.manager ?? target;
      const value = Reflect.get(manager, property, manager);
      return typeof value === 'function' ? value.bind(manager) : value;
    },
  });
  Object.defineProperty(dataSource, 'manager', { value: proxy, configurable: true });
  return dataSource;
}
