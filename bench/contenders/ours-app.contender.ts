import { INestApplicationContext, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { getRepositoryServiceToken, RepositoryService } from '../../src/database';
import { Task } from '../../src/entities';
import { RequestContextMiddleware } from '../../src/http/request-context.middleware';
import type { Contender } from './contender';

/** The headers of every request: an actor, and no request id (the middleware makes one). */
const REQUEST = { headers: { 'x-actor': 'bench' } };
const RESPONSE = {
  setHeader: () => undefined,
  status: () => ({ json: () => undefined }),
};

/**
 * `RepositoryService<Task>` from the example app's own module (`AppModule.register`), with
 * everything a production app runs around a statement: the metrics observer (`/metrics` on, as
 * with prom-client installed), the statement timings, the audit trail on, and each operation in
 * the request context the app's middleware opens (actor, new request id). Reads only: its writes
 * would be the audited ones, measured as `ours (audit on)`.
 */
export class OursAppContender implements Contender {
  readonly name = 'ours (app)';
  private readonly middleware = new RequestContextMiddleware();

  private constructor(
    private readonly app: INestApplicationContext,
    private readonly tasks: RepositoryService<Task>,
  ) {}

  static async create(env: NodeJS.ProcessEnv): Promise<OursAppContender> {
    Logger.overrideLogger(['error']);
    const app = await NestFactory.createApplicationContext(AppModule.register(env), { logger: ['error'] });
    return new OursAppContender(app, app.get(getRepositoryServiceToken(Task), { strict: false }));
  }

  /** Runs `op` as a request's handler would: inside the context `RequestContextMiddleware` opens. */
  private inRequest<T>(op: () => Promise<T>): Promise<T> {
    let result: Promise<T> | undefined;
    this.middleware.use(REQUEST, RESPONSE, () => {
      result = op();
    });
    return result ?? Promise.reject(new Error('ours (app): the request context refused the request'));
  }

  pointRead(id: string) {
    return this.inRequest(() => this.tasks.findById(id));
  }

  async close() {
    await this.app.close();
  }
}
