import { DynamicModule, FactoryProvider, Module, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RepositoryContext } from './repository/repository.context';
import { RepositoryService } from './repository/repository.service';
import { getRepositoryServiceToken, REPOSITORY_CONTEXT } from './repository/repository.tokens';
import { DATABASE_MODULE_OPTIONS } from './database.constants';
import { DatabaseModuleOptions } from './database.options';
import { GuardedDataSource } from './migrations/guarded.data-source';
import { DatabaseService } from './database.service';
import { installAmbientManager } from './transactions/ambient-manager';
import { TransactionManager } from './transactions/transaction.manager';
import { ConnectPolicy, resolveConnectPolicy } from './startup/connect-policy';
import { DatabaseConnection, databaseConnectionOf } from './startup/database-connection';
import { DatabaseErrorFilter, DEFAULT_EXCEPTION_FILTER } from './errors/database-error.filter';
import { DatabaseWiringError } from './errors/database-wiring.error';
import { installReadReplicas, READ_REPLICA_PROVIDERS, READ_REPLICAS } from './replicas/read-replicas.providers';
import { DatabaseConfigError } from './errors/database-config.error';
import { poolerModeOf } from './pooler/pooler-mode';

/** Implemented by a class given to `forRootAsync({ useClass | useExisting })`. */
export interface DatabaseOptionsFactory {
  createDatabaseOptions(): DatabaseModuleOptions | Promise<DatabaseModuleOptions>;
}

/** Options of `DatabaseModule.forRootAsync()`, as `@nestjs/typeorm` shapes them. */
export interface DatabaseModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory?: (...args: any[]) => DatabaseModuleOptions | Promise<DatabaseModuleOptions>;
  inject?: any[];
  useClass?: Type<DatabaseOptionsFactory>;
  useExisting?: Type<DatabaseOptionsFactory>;
}

/** @internal Maps the module's options onto `@nestjs/typeorm`'s; connecting is the module's own (see {@link DatabaseConnection}). */
export function toTypeOrmModuleOptions(
  options: DatabaseModuleOptions,
): TypeOrmModuleOptions & { connectPolicy: ConnectPolicy; moduleOptions: DatabaseModuleOptions } {
  const {
    connectRetryAttempts: _attempts,
    connectRetryDelayMs: _delay,
    connectRetryMaxDelayMs: _maxDelay,
    requireAtStartup: _require,
    preparedStatements: _prepared,
    cursorSecret: _secret,
    audit: _audit,
    health: _health,
    exceptionFilter: _filter,
    failOnSchemaDrift: _failOnDrift,
    readReplicas: _replicas,
    ...dataSource
  } = options;
  if (poolerModeOf(options) === 'transaction' && options.preparedStatements === true) {
    throw DatabaseConfigError.invalid(
      'DB_PREPARED_STATEMENTS',
      'must not be true with DB_POOLER=transaction (options preparedStatements and pooler): a named prepared ' +
        'statement lives on one server connection, and the pooler hands the next transaction another',
    );
  }
  // The DataSource factory connects, retries and, when allowed, starts degraded; Nest's retry is not used.
  return {
    ...dataSource,
    manualInitialization: true,
    toRetry: () => false, // its retry would log a stack and start over; DatabaseConnection has retried already
    connectPolicy: resolveConnectPolicy(options),
    moduleOptions: options,
  };
}

function asyncOptionsProviders(options: DatabaseModuleAsyncOptions): Provider[] {
  if (options.useFactory) {
    return [{ provide: DATABASE_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }];
  }
  const type = options.useClass ?? options.useExisting;
  if (!type) throw new Error('DatabaseModule.forRootAsync() needs one of useFactory, useClass or useExisting');
  return [
    ...(options.useClass ? [{ provide: type, useClass: type }] : []),
    {
      provide: DATABASE_MODULE_OPTIONS,
      useFactory: (factory: DatabaseOptionsFactory) => factory.createDatabaseOptions(),
      inject: [type],
    },
  ];
}

/** @internal Resolves DATABASE_MODULE_OPTIONS once, for both TypeORM and the module's services. */
@Module({})
export class DatabaseOptionsModule {}

function withOptions(optionsModule: DynamicModule): DynamicModule {
  return {
    module: DatabaseModule,
    global: true,
    imports: [
      optionsModule,
      TypeOrmModule.forRootAsync({
        imports: [optionsModule],
        inject: [DATABASE_MODULE_OPTIONS],
        useFactory: toTypeOrmModuleOptions,
        // Startup migrations (`migrationsRun`) go through the guard; `migrationGuard` rides along in the options.
        // The ambient manager makes injected repositories and DataSource.manager join open transactions.
        dataSourceFactory: async (options) => {
          const { connectPolicy, moduleOptions, ...dataSourceOptions } = options as DatabaseModuleOptions & {
            connectPolicy: ConnectPolicy;
            moduleOptions: DatabaseModuleOptions;
          };
          const dataSource = new GuardedDataSource(dataSourceOptions);
          installAmbientManager(dataSource);
          // Before the first connection: replicas never hold startup up; reads reach them once they answer.
          installReadReplicas(dataSource, moduleOptions);
          await DatabaseConnection.open(dataSource, connectPolicy);
          return dataSource;
        },
      }),
    ],
    providers: [
      {
        provide: REPOSITORY_CONTEXT,
        inject: [getDataSourceToken(), DATABASE_MODULE_OPTIONS, TransactionManager],
        useFactory: (dataSource: DataSource, options: DatabaseModuleOptions, transactions: TransactionManager) =>
          new RepositoryContext(dataSource, {
            preparedStatements: options.preparedStatements ?? poolerModeOf(options) !== 'transaction',
            cursorSecret: options.cursorSecret,
            audit: options.audit,
            transactions,
          }),
      },
      {
        provide: DatabaseConnection,
        inject: [getDataSourceToken()],
        useFactory: (dataSource: DataSource) => databaseConnectionOf(dataSource),
      },
      TransactionManager,
      DatabaseService,
      ...READ_REPLICA_PROVIDERS,
      {
        provide: APP_FILTER,
        inject: [DATABASE_MODULE_OPTIONS],
        // Nest skips a global filter whose factory gives null.
        useFactory: (options: DatabaseModuleOptions) =>
          (options.exceptionFilter ?? DEFAULT_EXCEPTION_FILTER) ? new DatabaseErrorFilter() : null,
      },
    ],
    exports: [
      TypeOrmModule,
      optionsModule,
      REPOSITORY_CONTEXT,
      DatabaseConnection,
      TransactionManager,
      DatabaseService,
      READ_REPLICAS,
    ],
  };
}

/**
 * The PostgreSQL database module. `forRoot`/`forRootAsync` once in the root module (global: the
 * DataSource, its EntityManager and the module's services can be injected anywhere); `forFeature`
 * in each feature module for its entities' repositories.
 *
 * @example
 * DatabaseModule.forRootAsync({ useFactory: () => ({ ...buildDataSourceOptions(process.env), entities }) })
 */
@Module({})
export class DatabaseModule {
  /** Registers the DataSource with static options. */
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return withOptions({
      module: DatabaseOptionsModule,
      providers: [{ provide: DATABASE_MODULE_OPTIONS, useValue: options }],
      exports: [DATABASE_MODULE_OPTIONS],
    });
  }

  /** Registers the DataSource with options resolved from other providers (config, secrets). */
  static forRootAsync(options: DatabaseModuleAsyncOptions): DynamicModule {
    return withOptions({
      module: DatabaseOptionsModule,
      imports: options.imports ?? [],
      providers: asyncOptionsProviders(options),
      exports: [DATABASE_MODULE_OPTIONS],
    });
  }

  /**
   * Registers, in the importing module, TypeORM's repository (`@InjectRepository(Entity)`) and
   * the module's {@link RepositoryService} (`@InjectRepositoryService(Entity)`) of each entity.
   */
  static forFeature(entities: Function[]): DynamicModule {
    const typeorm = explainingMissingDataSource(TypeOrmModule.forFeature(entities), entities);
    const services: Provider[] = entities.map((entity) => ({
      provide: getRepositoryServiceToken(entity),
      // Optional, so that an app without DatabaseModule.forRoot* is told the fix, not Nest's "can't resolve".
      inject: [
        { token: getDataSourceToken(), optional: true },
        { token: REPOSITORY_CONTEXT, optional: true },
      ],
      useFactory: (dataSource: DataSource | undefined, context: RepositoryContext | undefined) => {
        if (!dataSource || !context) throw DatabaseWiringError.repositoryService(entity.name, dataSource !== undefined);
        return new RepositoryService(entity, dataSource, context);
      },
    }));
    return { module: DatabaseFeatureModule, imports: [typeorm], providers: services, exports: [typeorm, ...services] };
  }
}

/**
 * `TypeOrmModule.forFeature`'s repositories, each failing with {@link DatabaseWiringError} rather
 * than Nest's "can't resolve" when no DataSource is registered (no `DatabaseModule.forRoot*`).
 */
function explainingMissingDataSource(typeorm: DynamicModule, entities: Function[]): DynamicModule {
  const providers = (typeorm.providers ?? []).map((provider, i) => {
    const factory = provider as FactoryProvider;
    if (typeof factory.useFactory !== 'function' || factory.inject?.length !== 1) return provider;
    const [token] = factory.inject;
    return {
      ...factory,
      inject: [{ token: typeof token === 'object' && 'token' in token ? token.token : token, optional: true }],
      useFactory: (dataSource: DataSource | undefined) => {
        if (!dataSource) throw DatabaseWiringError.repository(entities[i]?.name ?? String(factory.provide));
        return factory.useFactory(dataSource);
      },
    };
  });
  return { ...typeorm, providers, exports: providers };
}

/** @internal Holder of `forFeature` registrations, so they are never global. */
@Module({})
export class DatabaseFeatureModule {}
