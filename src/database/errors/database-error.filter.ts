import { ArgumentsHost, Catch } from '@nestjs/common';
import { DatabaseExceptionFilter, HTTP_MAPPED_ERRORS } from './database-exception.filter';

/** Default of `DatabaseModuleOptions.exceptionFilter`: the module answers its typed errors over HTTP. */
export const DEFAULT_EXCEPTION_FILTER = true;

/**
 * @internal The global filter `DatabaseModule` registers (`exceptionFilter` option): the typed
 * errors that have a status of their own (EntityNotFoundError 404, UniqueViolationError 409, …)
 * answered as {@link DatabaseExceptionFilter} answers them. Every other error, unmapped typed
 * errors included, is left to the application's filters and Nest's default handler.
 */
@Catch(...HTTP_MAPPED_ERRORS)
export class DatabaseErrorFilter extends DatabaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    // GraphQL and other non-HTTP contexts get the error back, as with no filter.
    if (host.getType() !== 'http') throw exception;
    super.catch(exception, host);
  }
}
