import { Injectable, NestMiddleware } from '@nestjs/common';

interface IncomingRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Whether the body was read to its end (by the app's body parser, before any middleware). */
  readableEnded?: boolean;
}

interface OutgoingResponse {
  status(code: number): { json(body: unknown): void };
}

/** `application/json` and `application/<anything>+json`, with or without parameters (`; charset=utf-8`). */
const JSON_MEDIA_TYPE = /^application\/(?:[!#$%&'*.^_`|~0-9a-z-]+\+)?json[ \t]*(?:;|$)/i;
const APPLICATION_JSON = /^application\/json[ \t]*(?:;|$)/i;

/** @internal Whether the request carries a body: `Transfer-Encoding`, or a `Content-Length` above 0. */
export function hasBody(headers: IncomingRequest['headers']): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (typeof length === 'string' && Number(length) > 0);
}

/**
 * @internal Whether a body of this `Content-Type` reaches the routes as JSON: `application/json`
 * always; `application/*+json` once the app's JSON parser read it (`app.useBodyParser('json', { type })`).
 */
export function isJsonBody(req: IncomingRequest): boolean {
  const type = req.headers['content-type'];
  if (typeof type !== 'string' || !JSON_MEDIA_TYPE.test(type)) return false;
  return APPLICATION_JSON.test(type) || req.readableEnded === true;
}

/**
 * Refuses a request body that is not JSON with 415 naming `Content-Type`, before any route runs:
 * the API documents only `application/json`, and a form (`application/x-www-form-urlencoded`,
 * `multipart/form-data`, `text/plain`) is what a cross-site HTML form can post without a CORS
 * preflight. Requests without a body (GET, DELETE, a bare POST `…/restore`) pass.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  use(req: IncomingRequest, res: OutgoingResponse, next: () => void): void {
    if (!hasBody(req.headers) || isJsonBody(req)) return next();
    res.status(415).json({
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Content-Type: a request body must be application/json',
      fields: ['Content-Type'],
    });
  }
}
