import { applyDecorators, Controller, Get, NotFoundException, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  DEFAULT_LIMIT,
  InjectRepositoryService,
  InvalidQueryError,
  MAX_LIMIT,
  Page,
  RepositoryService,
} from '../database';
import { AuditLog, Task, User } from '../entities';
import { ApiError, ApiErrors, ApiId, ApiPageResponse } from '../http/resource-routes.decorators';
import { UuidParam } from '../http/uuid-param.decorator';
import { AuditLogResponse } from './dto/audit-log.response';

const HISTORY_PARAMETERS = new Set(['limit', 'cursor']);

/** `GET path`: one entity's history, keyset pages of `limit` rows from `cursor`. */
const HistoryRoute = (path: string, summary: string) =>
  applyDecorators(
    Get(path),
    ApiOperation({ summary }),
    ApiId(),
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
      description: 'Entries per page.',
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      allowEmptyValue: true,
      schema: { type: 'string' },
      description: 'Empty (or absent) for the first page, then the token from `links.next`.',
    }),
    ApiPageResponse(AuditLogResponse),
    ApiErrors(400),
    ApiError(
      404,
      'No row with that id, live or soft-deleted, and no history of one: the history of a soft-deleted ' +
        'or permanently deleted row stays readable.',
    ),
  );

/** `GET /users/:id/history`, `GET /tasks/:id/history`: one entity's changes, oldest first. */
@ApiTags('audit')
@Controller()
export class EntityHistoryController {
  constructor(
    @InjectRepositoryService(AuditLog) private readonly logs: RepositoryService<AuditLog>,
    @InjectRepositoryService(User) private readonly users: RepositoryService<User>,
    @InjectRepositoryService(Task) private readonly tasks: RepositoryService<Task>,
  ) {}

  @HistoryRoute('users/:id/history', "A user's changes, oldest first (keyset pages: limit, cursor)")
  userHistory(@UuidParam() id: string, @Query() query: Record<string, unknown>, @Req() req: { path: string }) {
    return this.history('User', id, this.users, query, req.path);
  }

  @HistoryRoute('tasks/:id/history', "A task's changes, oldest first (keyset pages: limit, cursor)")
  taskHistory(@UuidParam() id: string, @Query() query: Record<string, unknown>, @Req() req: { path: string }) {
    return this.history('Task', id, this.tasks, query, req.path);
  }

  private async history(
    entityType: string,
    id: string,
    entities: RepositoryService<User> | RepositoryService<Task>,
    query: Record<string, unknown>,
    path: string,
  ): Promise<Page<AuditLog>> {
    const extra = Object.keys(query).find((k) => !HISTORY_PARAMETERS.has(k));
    if (extra) throw new InvalidQueryError(extra, 'is not a query parameter here (limit, cursor)');
    const { limit, cursor } = query as { limit?: string; cursor?: string };
    const page = await this.logs.paginate({
      limit,
      cursor: cursor ?? '',
      sortBy: ['createdAt:ASC', 'id:ASC'],
      filter: { entityType: `$eq:${entityType}`, entityId: `$eq:${id}` },
    });
    if (page.data.length === 0 && !cursor && !(await entities.findById(id, { withDeleted: true }))) {
      throw new NotFoundException(`${entityType} ${id} was not found`);
    }
    // The sort and filters are the route's own: links carry only limit and cursor.
    const link = (token: string) => `${path}?limit=${page.meta.itemsPerPage}&cursor=${encodeURIComponent(token)}`;
    const next = page.links.next && new URLSearchParams(page.links.next.split('?')[1]).get('cursor');
    return {
      data: page.data,
      meta: { itemsPerPage: page.meta.itemsPerPage, sortBy: page.meta.sortBy, cursor: cursor ?? '' },
      links: { first: link(''), current: link(cursor ?? ''), next: next ? link(next) : undefined },
    };
  }
}
