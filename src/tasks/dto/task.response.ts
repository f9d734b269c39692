import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TaskStatus } from '../../entities';
import { EntityResponse } from '../../http/api-models';
import { UUID_PATTERN } from '../../http/uuid-param.decorator';
import { UserResponse } from '../../users/dto/user.response';
import { ExecutionResponse } from './execution.response';

/** A task as the API returns it. */
export class TaskResponse extends EntityResponse {
  @ApiProperty({ maxLength: 200 }) title: string;
  @ApiProperty({ type: String, maxLength: 10_000, nullable: true }) description: string | null;
  @ApiProperty({ enum: TaskStatus, enumName: 'TaskStatus' }) status: TaskStatus;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10 }) priority: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) requirements: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', pattern: UUID_PATTERN, nullable: true }) assigneeId: string | null;
  @ApiProperty({ type: String, format: 'uuid', pattern: UUID_PATTERN, nullable: true }) parentId: string | null;
  @ApiPropertyOptional({ type: () => UserResponse, nullable: true, description: 'With `include=assignee`.' })
  assignee?: UserResponse | null;
  @ApiPropertyOptional({ type: () => TaskResponse, nullable: true, description: 'With `include=parent`.' })
  parent?: TaskResponse | null;
  @ApiPropertyOptional({
    type: () => [ExecutionResponse],
    description: 'With `include=executions`: its live executions, newest first.',
  })
  executions?: ExecutionResponse[];
}
