import { Body, Controller, Module, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { InjectRepositoryService, RepositoryService } from '../../src/database';
import { DatabaseModule } from '../../src/database';
import { REPOSITORY_CONTEXT } from '../../src/database/repository/repository.tokens';
import type { RepositoryContext } from '../../src/database/repository/repository.context';
import type { ReadRouter } from '../../src/database/replicas/read-router';
import { READ_REPLICAS } from '../../src/database/replicas/read-replicas.providers';
import { User } from '../../src/entities';
import type { PgNode } from './cluster/postgres-cluster';
import { getHealth, pollUntil } from './health-client';
import { createTestApp, StartedTestApp } from './test-app';

/** `POST /rw/:id`: renames a user, then reads it back by id in the same request. */
@Controller('rw')
class WriteThenReadController {
  constructor(@InjectRepositoryService(User) private readonly users: RepositoryService<User>) {}

  @Post(':id')
  async rename(@Param('id', ParseUUIDPipe) id: string, @Body() body: { displayName: string }) {
    await this.users.update(id, { displayName: body.displayName });
    const read = await this.users.findById(id);
    return { displayName: read?.displayName };
  }
}

@Module({ imports: [DatabaseModule.forFeature([User])], controllers: [WriteThenReadController] })
class WriteThenReadModule {}

/** The `replicas` part of `/health`, and the HTTP status of the whole answer. */
export interface ReplicaHealth {
  httpStatus: number;
  status: string;
  replicas: Array<Record<string, any>>;
}

/** The app on `primary` with `replicas` as its read replicas, plus the router and a few helpers. */
export interface ReplicaApp extends StartedTestApp {
  router: ReadRouter;
  context: RepositoryContext;
  /** The `replicas` part of `/health` (status and details). */
  replicaHealth(): Promise<ReplicaHealth>;
  /** Waits until every replica's health state is `status` (generous limit: state changes, not speed). */
  waitForReplicas(status: 'up' | 'lagging' | 'down'): Promise<void>;
}

/** Starts the example app (migrations run at start) on `primary`, reading from `replicas`. */
export async function startReplicaApp(
  primary: PgNode,
  replicas: PgNode[],
  env: NodeJS.ProcessEnv = {},
): Promise<ReplicaApp> {
  const url = primary.url();
  const started = await createTestApp()
    .withDatabase({ name: 'app', url, env: { DATABASE_URL: url, NODE_ENV: 'test' }, drop: async () => undefined })
    .withEnv({
      DB_MIGRATIONS_RUN: 'true',
      DB_READ_REPLICA_URLS: replicas.map((r) => r.url()).join(','),
      DB_REPLICA_CHECK_INTERVAL_MS: '100',
      ...env,
    })
    .withImports(WriteThenReadModule)
    .start();
  const router = started.app.get<ReadRouter>(READ_REPLICAS);
  const context = started.app.get<RepositoryContext>(REPOSITORY_CONTEXT);
  const replicaHealth = async (): Promise<ReplicaHealth> => {
    const { status, body } = await getHealth(started.baseUrl);
    const part = body.details?.replicas ?? {};
    return { httpStatus: status, status: part.status, replicas: part.replicas ?? [] };
  };
  return {
    ...started,
    router,
    context,
    replicaHealth,
    waitForReplicas: async (status) => {
      await pollUntil(replicaHealth, (h) => h.replicas.length > 0 && h.replicas.every((r) => r.status === status), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
    },
  };
}

/** JSON request to the app; returns status, headers and body. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
