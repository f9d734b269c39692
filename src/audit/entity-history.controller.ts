import { Controller, Get, NotFoundException, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepositoryService, InvalidQueryError, Page, RepositoryService } from '../database';
import { AuditLog, Task, User } from '../entities';
import { UuidParam } from '../http/uuid-param.decorator';

const HISTORY_PARAMETERS = new Set(['limit', 'cursor']);

/** `GET /users/:id/history`, `GET /tasks/:id/history`: one entity's changes, oldest first. */
@ApiTags('audit')
@Controller()
export class EntityHistoryController {
  constructor(
    @InjectRepositoryService(AuditLog) private readonly logs: RepositoryService<AuditLog>,
    @InjectRepositoryService(User) private readonly users: RepositoryService<User>,
    @InjectRepositoryService(Task) private readonly tasks: RepositoryService<Task>,
  ) {}

  @Get('users/:id/history')
  @ApiOperation({ summary: "A user's changes, oldest first (keyset pages: limit, cursor)" })
  userHistory(@UuidParam() id: string, @Query() query: Record<string, unknown>, @Req() req: { path: string }) {
    return this.history('User', id, this.users, query, req.path);
  }

  @Get('tasks/:id/history')
  @ApiOperation({ summary: "A task's changes, oldest first (keyset pages: limit, cursor)" })
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
