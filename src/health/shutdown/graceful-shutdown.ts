import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DATABASE_MODULE_OPTIONS, DEFAULT_SHUTDOWN_GRACE_MS } from '../../database/database.constants';
import type { DatabaseModuleOptions } from '../../database/database.options';
import { resolveDatabaseHealthOptions } from '../../database/health/database-health.options';
import { ShutdownState } from './shutdown-state';

/**
 * Shutdown in the order a load balancer needs, before Nest closes the HTTP server and the pool:
 * 1. readiness answers 503 (`ShutdownState`) while the server still serves, for
 *    `HEALTH_SHUTDOWN_DELAY_MS`, so the balancer stops sending traffic;
 * 2. the server stops accepting connections, idle keep-alive connections close, and responses
 *    still to come say `Connection: close`;
 * 3. requests in flight finish, for at most `SHUTDOWN_GRACE_MS`; whatever is left is cut off by
 *    Nest when it closes the server, and the pool then waits for its busy connections (the same bound).
 * All of it runs in `beforeApplicationShutdown`, which Nest calls on every module before it closes anything.
 */
@Injectable()
export class GracefulShutdown implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly graceMs: number;
  private readonly delayMs: number;
  private readonly responses = new Set<ServerResponse>();
  private closing = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly state: ShutdownState,
    @Inject(DATABASE_MODULE_OPTIONS) options: DatabaseModuleOptions,
  ) {
    this.graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    this.delayMs = resolveDatabaseHealthOptions(options.health).shutdownDelayMs;
  }

  /** Requests being served now. */
  get requestsInFlight(): number {
    return this.responses.size;
  }

  onApplicationBootstrap(): void {
    this.server()?.on('request', (_req: IncomingMessage, res: ServerResponse) => {
      this.responses.add(res);
      if (this.closing) res.setHeader('Connection', 'close');
      res.once('close', () => {
        this.responses.delete(res);
        if (this.responses.size === 0) this.drained?.();
      });
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.state.begin();
    const started = Date.now();
    if (this.delayMs > 0) {
      this.logger.log(`shutting down${signal ? ` (${signal})` : ''}: readiness answers 503 for ${this.delayMs} ms`);
      await sleep(this.delayMs);
    }
    this.closing = true;
    // Responses still to come close their connection, so clients do not send more on it.
    for (const res of this.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    const server = this.server();
    if (server?.listening) {
      server.close(); // stops accepting; Node closes idle keep-alive connections too
      server.closeIdleConnections();
    }
    if (this.responses.size > 0) {
      this.logger.log(`waiting up to ${this.graceMs} ms for ${this.responses.size} request(s) in flight`);
      const finished = new Promise<void>((resolve) => (this.drained = resolve));
      const outcome = await Promise.race([finished.then(() => 'done'), sleep(this.graceMs).then(() => 'late')]);
      if (outcome === 'late') {
        this.logger.warn(
          `${this.responses.size} request(s) still running after SHUTDOWN_GRACE_MS=${this.graceMs}; cutting them off`,
        );
      }
    }
    this.logger.log(`requests drained in ${Date.now() - started} ms; closing the server and the pool`);
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
