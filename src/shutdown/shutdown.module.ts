import { Global, Module } from '@nestjs/common';
import { GracefulShutdown } from './graceful-shutdown';
import { ShutdownState } from './shutdown-state';

/** Graceful shutdown: readiness 503 first, then the HTTP drain, then Nest closes the server and the pool. */
@Global()
@Module({ providers: [ShutdownState, GracefulShutdown], exports: [ShutdownState, GracefulShutdown] })
export class ShutdownModule {}
