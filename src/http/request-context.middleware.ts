import { randomUUID } from 'node:crypto';
import { Injectable, NestMiddleware } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';
import { setAuditContext } from '../database';

interface IncomingRequest {
  headers: Record<string, string | string[] | undefined>;
}

interface OutgoingResponse {
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

/** Actor recorded for requests without an `X-Actor` header. */
export const ANONYMOUS_ACTOR = 'anonymous';
const ACTOR = /^[\p{L}\p{N}._@:+\- ]{1,200}$/u;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Opens the request's async context and records who acts (`X-Actor`, standing in for the
 * authenticated user of a real app) and the request id (`X-Request-Id`, or a new uuid, echoed back),
 * so every audited write of the request carries them without being passed by hand.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: IncomingRequest, res: OutgoingResponse, next: () => void): void {
    const actor = req.headers['x-actor'];
    if (actor !== undefined && (typeof actor !== 'string' || !ACTOR.test(actor))) {
      res.status(400).json({
        statusCode: 400,
        error: 'Bad Request',
        message: 'X-Actor: must be 1 to 200 letters, digits, spaces or . _ @ : + -',
        fields: ['X-Actor'],
      });
      return;
    }
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    ClsServiceManager.getClsService().run(() => {
      setAuditContext(actor ?? ANONYMOUS_ACTOR, requestId);
      next();
    });
  }
}
