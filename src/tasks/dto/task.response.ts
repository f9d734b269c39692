import { ApiPropertyOptional } from '@nestjs/swagger';
import { UserResponse } from '../../users/dto/user.response';
import { ExecutionRow } from './execution.response';
import { TaskRow } from './task-row.response';

/** A task as the API returns it, with the relations `include` asked for. */
export class TaskResponse extends TaskRow {
  @ApiPropertyOptional({ type: () => UserResponse, nullable: true, description: 'With `include=assignee`.' })
  assignee?: UserResponse | null;

  @ApiPropertyOptional({ type: () => TaskRow, nullable: true, description: 'With `include=parent`.' })
  parent?: TaskRow | null;

  @ApiPropertyOptional({
    type: () => [ExecutionRow],
    description: 'With `include=executions`: its live executions, newest first.',
  })
  executions?: ExecutionRow[];
}
