import { APP_INTERCEPTOR } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Provider } from '@nestjs/common';
import type { PoolConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { DatabaseModuleOptions } from '../database.options';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_PORT, DEFAULT_POOL_MAX } from '../database.constants';
import { poolerModeOf, withoutStartupTimeouts } from '../pooler/pooler-mode';
import { ConsistencyTokenInterceptor } from './consistency-token.interceptor';
import { ReadRouter, ReadRouterSettings, readRouterOf } from './read-router';
import {
  DEFAULT_REPLICA_CHECK_INTERVAL_MS,
  DEFAULT_REPLICA_MAX_LAG_MS,
  ReadReplicaOptions,
} from './read-replica.options';

/** Injection token of the module's {@link ReadRouter} (null without replicas). */
export const READ_REPLICAS = Symbol('READ_REPLICAS');

/**
 * @internal Each replica's pool settings: its own host, port and (when its URL has them) database,
 * credentials and TLS; the rest as the primary's pool (timeouts unless `DB_POOLER`, `application_name`, keep-alive),
 * `min` 0 (no warm-up: a replica down at startup must not hold the app up).
 */
export function readRouterSettings(options: DatabaseModuleOptions, replicas: ReadReplicaOptions): ReadRouterSettings {
  // Behind a pooler (DB_POOLER) replicas are taken to be behind one too: no timeouts as startup
  // parameters; the role's settings, which physical replicas share with the primary, apply.
  const connect = withoutStartupTimeouts(options, poolerModeOf(options)).options;
  const extra = { ...((connect.extra as Record<string, unknown> | undefined) ?? {}), min: 0 };
  return {
    maxLagMs: replicas.maxLagMs ?? DEFAULT_REPLICA_MAX_LAG_MS,
    checkIntervalMs: replicas.checkIntervalMs ?? DEFAULT_REPLICA_CHECK_INTERVAL_MS,
    replicas: replicas.replicas.map((replica, i) => {
      const port = replica.port ?? DEFAULT_PORT;
      const pool: PoolConfig = {
        host: replica.host,
        port,
        database: replica.database ?? options.database,
        user: replica.username ?? options.username,
        password: replica.password ?? (options.password as PoolConfig['password']),
        ssl: (replica.ssl ?? options.ssl) as PoolConfig['ssl'],
        connectionTimeoutMillis: options.connectTimeoutMS ?? DEFAULT_CONNECT_TIMEOUT_MS,
        application_name: options.applicationName,
        max: replicas.poolMax ?? options.poolSize ?? DEFAULT_POOL_MAX,
        ...extra,
      };
      return { name: `replica-${i + 1}`, address: `${replica.host}:${port}`, pool };
    }),
  };
}

/** @internal Installs the read router on a DataSource the module builds, when replicas are configured. */
export function installReadReplicas(dataSource: DataSource, options: DatabaseModuleOptions): void {
  const replicas = options.readReplicas;
  if (replicas && replicas.replicas.length > 0) ReadRouter.install(dataSource, readRouterSettings(options, replicas));
}

/** @internal Closes the replicas' pools at shutdown, after the HTTP drain, like the primary's. */
class ReadReplicasLifecycle {
  constructor(private readonly router: ReadRouter) {}
  async onApplicationShutdown(): Promise<void> {
    await this.router.close();
  }
}

/** @internal The router (or null), its shutdown, and the consistency-token interceptor when replicas are configured. */
export const READ_REPLICA_PROVIDERS: Provider[] = [
  {
    provide: READ_REPLICAS,
    inject: [getDataSourceToken()],
    useFactory: (dataSource: DataSource) => readRouterOf(dataSource) ?? null,
  },
  {
    provide: ReadReplicasLifecycle,
    inject: [READ_REPLICAS],
    useFactory: (router: ReadRouter | null) => (router ? new ReadReplicasLifecycle(router) : {}),
  },
  {
    provide: APP_INTERCEPTOR,
    inject: [READ_REPLICAS],
    // Nest skips a global interceptor whose factory gives null: apps without replicas pay nothing.
    useFactory: (router: ReadRouter | null) => (router ? new ConsistencyTokenInterceptor(router) : null),
  },
];
