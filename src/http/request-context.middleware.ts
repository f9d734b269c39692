import { randomUUID } from 'node:crypto';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { ParameterObject } from '@nestjs/swagger';
import { ClsServiceManager } from 'nestjs-cls';
import { setAuditContext, setTenant } from '../database';
import { UUID_PATTERN } from './uuid-param.decorator';

interface IncomingRequest {
  headers: Record<string, string | string[] | undefined>;
}

interface OutgoingResponse {
  setHeader(name: string, value: string): void;
  status(code: number): { json(body: unknown): void };
}

/** Actor recorded for requests without an `X-Actor` header. */
export const ANONYMOUS_ACTOR = 'anonymous';
/**
 * 1 to 200 letters, digits, spaces or `. _ @ : + -`, not starting or ending with a space (HTTP
 * drops those from a header value anyway, so the server never sees them). A Unicode pattern.
 */
const ACTOR = /^[\p{L}\p{N}._@:+-](?:[\p{L}\p{N}._@:+ -]{0,198}[\p{L}\p{N}._@:+-])?$/u;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const TENANT_ID = new RegExp(UUID_PATTERN);

/** The tenant header as an OpenAPI parameter: required by the tenant-scoped routes (`/notes`). */
export const TENANT_HEADER: ParameterObject = {
  name: 'X-Tenant-Id',
  in: 'header',
  required: true,
  schema: { type: 'string', format: 'uuid', pattern: UUID_PATTERN },
  description:
    'The tenant the request acts for (standing in for the tenant of an authenticated user): PostgreSQL ' +
    'row-level security shows and accepts its rows only. Missing or not a uuid: 400 naming X-Tenant-Id.',
};

/** The two headers as OpenAPI parameters: the middleware reads them on every route. */
export const REQUEST_CONTEXT_HEADERS: readonly ParameterObject[] = [
  {
    name: 'X-Actor',
    in: 'header',
    required: false,
    schema: { type: 'string', minLength: 1, maxLength: 200, pattern: ACTOR.source, example: 'ada' },
    description:
      `Who acts, recorded in the audit trail; without the header, \`${ANONYMOUS_ACTOR}\`. 1 to 200 letters, ` +
      'digits, spaces or . _ @ : + - (the pattern uses Unicode property escapes: match it with the `u` flag); ' +
      'anything else is a 400 naming X-Actor. Header values travel as Latin-1 bytes.',
  },
  {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    schema: { type: 'string', pattern: REQUEST_ID.source, maxLength: 100 },
    description:
      'Correlation id recorded with every audited write and echoed in the response; one that does not match ' +
      'the pattern is replaced by a new uuid (it names no resource, so it is not refused).',
  },
];

/**
 * Opens the request's async context and records who acts (`X-Actor`, standing in for the
 * authenticated user of a real app), the request id (`X-Request-Id`, or a new uuid, echoed back)
 * and the tenant (`X-Tenant-Id`, a uuid, when given), so every audited write of the request
 * carries them, and every statement runs as that tenant, without being passed by hand.
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
    const tenant = req.headers['x-tenant-id'];
    if (tenant !== undefined && (typeof tenant !== 'string' || !TENANT_ID.test(tenant))) {
      res.status(400).json({
        statusCode: 400,
        error: 'Bad Request',
        message: 'X-Tenant-Id: must be a uuid',
        fields: ['X-Tenant-Id'],
      });
      return;
    }
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    ClsServiceManager.getClsService().run(() => {
      setAuditContext(actor ?? ANONYMOUS_ACTOR, requestId);
      if (tenant !== undefined) setTenant(tenant.toLowerCase());
      next();
    });
  }
}
