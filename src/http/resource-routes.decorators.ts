import { applyDecorators, Delete, Get, HttpCode, HttpStatus, Patch, Post, Type } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiInclude, ApiListQuery, ListQueryDocs } from './api-list-query.decorator';
import { ErrorResponse, PageResponse } from './api-models';
import { UUID_PATTERN } from './uuid-param.decorator';

const ERRORS: Record<number, string> = {
  400: 'Invalid body, path or query parameter; `fields` names them.',
  404: 'No live row with that id.',
  409: 'Conflict: a unique field is taken, a referenced row is missing, or `version` is stale.',
  503: 'The database is unavailable or the statement timed out; retry later.',
};

/** An error response whose meaning is the route's own (`description`), in the error body. */
export const ApiError = (status: number, description: string) =>
  ApiResponse({ status, type: ErrorResponse, description });

/** The error responses of a route (503 always: the database may be unavailable). */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(...[...statuses, 503].map((status) => ApiError(status, ERRORS[status])));

/** A uuid path parameter, with the pattern the server enforces. */
export const ApiId = (name = 'id') =>
  ApiParam({ name, schema: { type: 'string', format: 'uuid', pattern: UUID_PATTERN }, description: 'The row id.' });

/** A route under `/:id` documents the id and can answer 404. */
const underId = (path?: string) => (path?.includes(':id') ? { id: [ApiId()], errors: [404] } : { id: [], errors: [] });

const flag = (name: string, description: string) =>
  ApiQuery({ name, required: false, schema: { type: 'string', enum: ['true', 'false'] }, description });

/** `POST [path]` → 201 with the created row. */
export const CreateRoute = (model: Type, summary: string, path?: string) =>
  applyDecorators(
    Post(path),
    ApiOperation({ summary }),
    ...underId(path).id,
    ApiCreatedResponse({ type: model }),
    ApiErrors(400, ...underId(path).errors, 409),
  );

/** 200 with a page of `model` rows. */
export const ApiPageResponse = (model: Type) =>
  applyDecorators(
    ApiExtraModels(PageResponse, model),
    ApiOkResponse({
      schema: {
        allOf: [
          { $ref: getSchemaPath(PageResponse) },
          { properties: { data: { type: 'array', items: { $ref: getSchemaPath(model) } } }, required: ['data'] },
        ],
      },
    }),
  );

/** `GET [path]` → 200 with a page of rows; the list grammar with the entity's allow-list. */
export const ListRoute = (model: Type, summary: string, docs: ListQueryDocs, path?: string) =>
  applyDecorators(
    Get(path),
    ApiOperation({ summary }),
    ...underId(path).id,
    ApiListQuery(docs),
    ApiPageResponse(model),
    ApiErrors(400, ...underId(path).errors),
  );

/** `GET :id[?withDeleted=true][&include=…]` → 200 with the row (and the relations asked for). */
export const ReadRoute = (model: Type, summary: string, includes: readonly string[] = []) =>
  applyDecorators(
    Get(':id'),
    ApiOperation({ summary }),
    ApiId(),
    flag('withDeleted', 'Also find a soft-deleted row.'),
    ...(includes.length ? [ApiInclude(includes)] : []),
    ApiOkResponse({ type: model }),
    ApiErrors(400, 404),
  );

/** `PATCH :id` with `version` in the body → 200 with the updated row. */
export const UpdateRoute = (model: Type, summary: string) =>
  applyDecorators(
    Patch(':id'),
    ApiOperation({ summary }),
    ApiId(),
    ApiOkResponse({ type: model }),
    ApiErrors(400, 404, 409),
  );

/** `DELETE :id[?hard=true]` → 204: soft delete, or permanent with `hard=true`. */
export const DeleteRoute = (summary: string) =>
  applyDecorators(
    Delete(':id'),
    HttpCode(HttpStatus.NO_CONTENT),
    ApiOperation({ summary }),
    ApiId(),
    flag('hard', '`true` deletes permanently (a soft-deleted row too); otherwise the row is soft-deleted.'),
    ApiNoContentResponse({ description: 'Deleted.' }),
    ApiErrors(400, 404),
  );

/** `POST :id/restore` → 200 with the restored row; 409 if the row is not deleted (or a unique value was taken). */
export const RestoreRoute = (model: Type, summary: string) =>
  applyDecorators(
    Post(':id/restore'),
    HttpCode(HttpStatus.OK),
    ApiOperation({ summary }),
    ApiId(),
    ApiOkResponse({ type: model }),
    ApiErrors(400),
    ApiError(404, 'No row with that id, live or soft-deleted.'),
    ApiError(409, 'The row is not deleted (nothing to restore), or a unique value of it was taken meanwhile.'),
  );
