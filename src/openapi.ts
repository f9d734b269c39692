import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { LIST_QUERY_GRAMMAR } from './http/api-list-query.decorator';
import { REQUEST_CONTEXT_HEADERS } from './http/request-context.middleware';

/** Where the OpenAPI UI is served; the document is at `${OPENAPI_PATH}-json`. */
export const OPENAPI_PATH = 'docs';

/** The request-context headers on every operation: the middleware reads them on every route. */
function withRequestContextHeaders(document: OpenAPIObject): OpenAPIObject {
  for (const operations of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations[method];
      if (operation) operation.parameters = [...(operation.parameters ?? []), ...REQUEST_CONTEXT_HEADERS];
    }
  }
  return document;
}

/**
 * Request bodies refuse unknown fields (the global ValidationPipe's `forbidNonWhitelisted`, a 400
 * naming them): their schemas say `additionalProperties: false`.
 */
function withClosedRequestBodies(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  for (const operations of Object.values(document.paths)) {
    for (const method of ['put', 'post', 'patch'] as const) {
      const body = operations[method]?.requestBody;
      const schema = body && 'content' in body ? body.content['application/json']?.schema : undefined;
      const model = schema && '$ref' in schema ? schemas[schema.$ref.replace('#/components/schemas/', '')] : undefined;
      if (model && !('$ref' in model)) model.additionalProperties = false;
    }
  }
  return document;
}

/**
 * Serves the OpenAPI document at `/docs-json` and its UI at `/docs`. Call it before `listen`
 * (routes added after Nest's init land behind its 404 handler).
 */
export function setupOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('nest-pg-database example API')
    .setDescription(
      'Users and tasks on the PostgreSQL database module. Writes are validated (400 names the fields); ' +
        'PATCH takes the `version` you read (409 if it changed); DELETE soft-deletes unless `hard=true`. ' +
        LIST_QUERY_GRAMMAR,
    )
    .setVersion('0.1.0')
    .build();
  const document = withClosedRequestBodies(withRequestContextHeaders(SwaggerModule.createDocument(app, config)));
  SwaggerModule.setup(OPENAPI_PATH, app, document);
  return document;
}
