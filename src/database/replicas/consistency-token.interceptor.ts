import { BadRequestException, CallHandler, ExecutionContext, Logger, NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import type { ReadRouter } from './read-router';
import { ReadConsistency, runWithConsistency } from './read-context';
import { parseWalPosition } from './wal-position';

/** The header a write's response carries and a later request presents: the WAL position of that write. */
export const CONSISTENCY_TOKEN_HEADER = 'X-Consistency-Token';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
}
interface HttpResponse {
  headersSent?: boolean;
  setHeader?(name: string, value: string): void;
  header?(name: string, value: string): void;
}

/**
 * @internal Read-your-writes for HTTP requests when replicas are configured (registered app-wide by
 * `DatabaseModule`): each request gets its own consistency state, so its reads after a write go to
 * the primary; a request presenting `X-Consistency-Token` is served by a replica only once that
 * replica has replayed the token's position; a response to a request that wrote carries the
 * primary's WAL position in the same header (one extra round trip per writing request).
 */
export class ConsistencyTokenInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ReadReplicas');

  constructor(private readonly router: ReadRouter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const state: ReadConsistency = { wrote: false, atLeast: tokenOf(http.getRequest<HttpRequest>()) };
    const response = http.getResponse<HttpResponse>();
    const handled = runWithConsistency(state, () => next.handle());
    return handled.pipe(
      mergeMap((body) => from(this.issue(state, response).then(() => body))),
      catchError((error: unknown) => from(this.issue(state, response)).pipe(mergeMap(() => throwError(() => error)))),
    );
  }

  /** Sets the token header when the request wrote; a failure to read the position only costs the header. */
  private async issue(state: ReadConsistency, response: HttpResponse): Promise<void> {
    if (!state.wrote || response.headersSent) return;
    try {
      const token = await this.router.primaryPosition();
      if (token === undefined) return;
      if (response.setHeader) response.setHeader(CONSISTENCY_TOKEN_HEADER, token);
      else response.header?.(CONSISTENCY_TOKEN_HEADER, token);
    } catch (error) {
      this.logger.warn(`no consistency token issued: ${(error as Error)?.message ?? error}`);
    }
  }
}

/** The position a request's token names; a malformed token is a 400 naming the header. */
function tokenOf(request: HttpRequest): bigint | undefined {
  const given = request.headers['x-consistency-token'];
  if (given === undefined || given === '') return undefined;
  const position = typeof given === 'string' ? parseWalPosition(given.trim()) : undefined;
  if (position === undefined) {
    throw new BadRequestException({
      statusCode: 400,
      error: 'Bad Request',
      message: `${CONSISTENCY_TOKEN_HEADER}: must be a WAL position as a response's ${CONSISTENCY_TOKEN_HEADER} gave it (like 0/16B3748)`,
      fields: [CONSISTENCY_TOKEN_HEADER],
    });
  }
  return position;
}
