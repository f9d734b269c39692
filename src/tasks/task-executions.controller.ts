import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectRepositoryService, listQueryFromHttp, ListQueryInput, Page, RepositoryService } from '../database';
import { Task, TaskExecution } from '../entities';
import { QueryFlags, QueryFlagValues } from '../http/query-flags.pipe';
import { documentedIncludes } from '../http/read-query.pipe';
import { CreateRoute, ListRoute } from '../http/resource-routes.decorators';
import { UuidParam } from '../http/uuid-param.decorator';
import { CreateExecutionDto } from './dto/create-execution.dto';
import { ExecutionResponse } from './dto/execution.response';
import { EXECUTIONS_LIST_QUERY } from './tasks.list-query';

/**
 * The caller's filters AND `taskId = :id`. The page links carry `filter.taskId` back, so the
 * path's own condition is kept once, in place: a followed link asks the same query (and cursors
 * stay valid).
 */
export function scopedToTask(filter: ListQueryInput['filter'] = {}, taskId: string): ListQueryInput['filter'] {
  const given = filter.taskId === undefined ? [] : [filter.taskId].flat();
  const conditions = [...new Set([...given, `$eq:${taskId}`])];
  return { ...filter, taskId: conditions.length === 1 ? conditions[0] : conditions };
}

/** `/tasks/:id/executions`: the runs of one task. */
@ApiTags('tasks')
@Controller('tasks')
export class TaskExecutionsController {
  constructor(
    @InjectRepositoryService(Task) private readonly tasks: RepositoryService<Task>,
    @InjectRepositoryService(TaskExecution) private readonly executions: RepositoryService<TaskExecution>,
  ) {}

  @ListRoute(ExecutionResponse, "List a task's executions", EXECUTIONS_LIST_QUERY, ':id/executions')
  async list(@UuidParam() id: string, @Query() query: Record<string, unknown>): Promise<Page<TaskExecution>> {
    const input = listQueryFromHttp(query);
    documentedIncludes(input.include, EXECUTIONS_LIST_QUERY.includes);
    const deletedToo = input.withDeleted === 'true' || input.onlyDeleted === 'true';
    await this.tasks.findByIdOrFail(id, { withDeleted: deletedToo });
    return this.executions.paginate(
      { ...input, filter: scopedToTask(input.filter, id) },
      { path: `/tasks/${id}/executions` },
    );
  }

  @CreateRoute(ExecutionResponse, 'Record an execution of a live task', ':id/executions')
  async create(
    @UuidParam() id: string,
    @Body() body: CreateExecutionDto,
    @QueryFlags() _query: QueryFlagValues<never>,
  ): Promise<TaskExecution> {
    await this.tasks.findByIdOrFail(id);
    return this.executions.create({ ...body, taskId: id });
  }
}
