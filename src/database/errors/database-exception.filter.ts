import { Abstract, ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { CheckViolationError } from './check-violation.error';
import { DatabaseUnavailableError } from './database-unavailable.error';
import { DatabaseError } from './database.error';
import { EntityNotDeletedError } from './entity-not-deleted.error';
import { EntityNotFoundError } from './entity-not-found.error';
import { EntityValidationError } from './entity-validation.error';
import { ForeignKeyViolationError } from './foreign-key-violation.error';
import { InvalidQueryError } from './invalid-query.error';
import { NotNullViolationError } from './not-null-violation.error';
import { OptimisticLockError } from './optimistic-lock.error';
import { QueryTimeoutError } from './query-timeout.error';
import { translateDatabaseError } from './translate-database-error';
import { TransactionOutcomeUnknownError } from '../transactions/transaction.errors';
import { UniqueViolationError } from './unique-violation.error';
import { TenantViolationError } from '../tenancy/tenant.errors';

const STATUS = new Map<Abstract<DatabaseError>, HttpStatus>([
  [EntityNotFoundError, HttpStatus.NOT_FOUND],
  [EntityNotDeletedError, HttpStatus.CONFLICT],
  [UniqueViolationError, HttpStatus.CONFLICT],
  [ForeignKeyViolationError, HttpStatus.CONFLICT],
  [NotNullViolationError, HttpStatus.UNPROCESSABLE_ENTITY],
  [CheckViolationError, HttpStatus.UNPROCESSABLE_ENTITY],
  [OptimisticLockError, HttpStatus.CONFLICT],
  [EntityValidationError, HttpStatus.BAD_REQUEST],
  [InvalidQueryError, HttpStatus.BAD_REQUEST],
  [TenantViolationError, HttpStatus.FORBIDDEN],
  [QueryTimeoutError, HttpStatus.SERVICE_UNAVAILABLE],
  [DatabaseUnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
  // The connection died during COMMIT (a failover, a restart): an outage, not a bug; the message says to verify first.
  [TransactionOutcomeUnknownError, HttpStatus.SERVICE_UNAVAILABLE],
]);

/** @internal The typed errors that have an HTTP status of their own (4xx, 503); the others are 500s. */
export const HTTP_MAPPED_ERRORS = [...STATUS.keys()];

/** The status of a typed error (or of a subclass of one), 500 when it has none. */
function statusOf(error: DatabaseError): HttpStatus {
  for (const [type, status] of STATUS) if (error instanceof type) return status;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

/** The JSON body of an error response. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  fields?: readonly string[] | Record<string, string[]>;
}

function reason(status: number): string {
  return (HttpStatus[status] ?? 'ERROR')
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

/**
 * The errors Express and body-parser raise before any route runs carry their own 4xx status: a
 * path that is not percent-encoded UTF-8 (a `URIError`), a body that is not JSON, too large, in an
 * unsupported charset. They name what is wrong (`path`, `body`) and quote nothing of the request
 * back (JSON.parse's message would).
 */
function requestError(exception: Error, status: number): ErrorBody {
  const error = reason(status);
  if (exception instanceof URIError) {
    return { statusCode: status, error, message: 'path: is not valid percent-encoded UTF-8', fields: ['path'] };
  }
  const type = (exception as { type?: unknown }).type;
  if (type === 'entity.parse.failed') {
    return { statusCode: status, error, message: 'body: must be a JSON object', fields: ['body'] };
  }
  const fields = typeof type === 'string' ? { fields: ['body'] } : {};
  return { statusCode: status, error, message: exception.message || error, ...fields };
}

/** @internal The status and body for an error; unknown errors become a bare 500. */
export function errorResponse(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Nest's Express adapter wraps the request errors of Express and body-parser, keeping them as the cause.
    const cause = exception.cause as { type?: unknown } | undefined;
    if (status < 500 && (cause instanceof URIError || typeof cause?.type === 'string')) {
      return requestError(cause as Error, status);
    }
    const response = exception.getResponse();
    const body = typeof response === 'object' ? (response as Record<string, unknown>) : { message: response };
    const message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? exception.message);
    return {
      statusCode: status,
      error: reason(status),
      message,
      ...(body.fields ? { fields: body.fields as ErrorBody['fields'] } : {}),
    };
  }
  const status = (exception as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return requestError(exception as Error, status);
  // Driver errors reach here wrapped (QueryFailedError) or bare (a failed pool checkout under an injected TypeORM repository).
  const error = translateDatabaseError(exception);
  if (error instanceof DatabaseError) {
    const status = statusOf(error);
    const fields = error instanceof EntityValidationError ? error.errors : error.fields;
    return { statusCode: status, error: reason(status), message: error.message, fields };
  }
  return { statusCode: 500, error: reason(500), message: 'internal error' };
}

/**
 * Every error's response at the edge, in one body shape: the data layer's typed errors and
 * driver errors as 404, 409, 422, 400, 503; HttpExceptions and request errors (bad JSON, too
 * large) with their own status; anything else a bare 500. Responses carry a short message and
 * field names; never SQL, parameters or a stack. Register it globally
 * (`app.useGlobalFilters(new DatabaseExceptionFilter())` or `APP_FILTER`); `DatabaseModule`'s
 * `exceptionFilter` option, on by default, answers the typed errors alone.
 */
@Catch()
export class DatabaseExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse();
    const body = errorResponse(exception);
    if (body.statusCode >= 500) {
      const detail = exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
      this.logger.error(`${body.statusCode} ${detail}`);
    }
    // Unavailable is temporary: tell clients when to try again.
    if (body.statusCode === HttpStatus.SERVICE_UNAVAILABLE) response.setHeader('Retry-After', '1');
    response.status(body.statusCode).json(body);
  }
}
