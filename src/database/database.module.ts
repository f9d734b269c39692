import { DynamicModule, Module, ModuleMetadata, Provider, Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { EntitySchema } from 'typeorm';
import {
  DATABASE_MODULE_OPTIONS,
  DEFAULT_CONNECT_RETRY_ATTEMPTS,
  DEFAULT_CONNECT_RETRY_DELAY_MS,
} from './database.constants';
import { DatabaseModuleOptions } from './database.options';

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

// SQLSTATEs that no retry will fix: bad password, unknown database or role, bad configuration.
const PERMANENT_SQLSTATES = new Set(['28P01', '28000', '3D000', '42704', '0A000']);

/** @internal Maps the module's options onto `@nestjs/typeorm`'s, with a retry policy that fails fast. */
export function toTypeOrmModuleOptions(options: DatabaseModuleOptions): TypeOrmModuleOptions {
  const { connectRetryAttempts: _attempts, connectRetryDelayMs: _delay, ...dataSource } = options;
  return {
    ...dataSource,
    retryAttempts: options.connectRetryAttempts ?? DEFAULT_CONNECT_RETRY_ATTEMPTS,
    retryDelay: options.connectRetryDelayMs ?? DEFAULT_CONNECT_RETRY_DELAY_MS,
    toRetry: (error: unknown) => !PERMANENT_SQLSTATES.has((error as { code?: string })?.code ?? ''),
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
      }),
    ],
    exports: [TypeOrmModule, optionsModule],
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

  /** Registers repositories for the given entities in the importing module. */
  static forFeature(entities: Array<Function | EntitySchema>): DynamicModule {
    const typeorm = TypeOrmModule.forFeature(entities);
    return { module: DatabaseFeatureModule, imports: [typeorm], exports: [typeorm] };
  }
}

/** @internal Holder of `forFeature` registrations, so they are never global. */
@Module({})
export class DatabaseFeatureModule {}
