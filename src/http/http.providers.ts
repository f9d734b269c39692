import { Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { DatabaseExceptionFilter } from '../database';
import { AppValidationPipe } from './app-validation.pipe';
import { ClientErrorHook } from './client-error.hook';

/**
 * The global validation pipe, the exception filter and the HTTP parser's errors, as providers, so
 * that every way of building the app (`main.ts`, the test helper) gets them from `AppModule.register`. `DatabaseModule`
 * answers the typed errors by itself; `DatabaseExceptionFilter` gives every other error (validation,
 * bad JSON, unknown routes, 500s) the same body, and {@link ClientErrorHook} the requests Node's
 * HTTP parser refuses before any route.
 */
export const HTTP_PROVIDERS: Provider[] = [
  { provide: APP_PIPE, useClass: AppValidationPipe },
  { provide: APP_FILTER, useClass: DatabaseExceptionFilter },
  ClientErrorHook,
];
