import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ExecutionStatus } from '../../entities';
import { EntityResponse } from '../../http/api-models';
import { UUID_PATTERN } from '../../http/uuid-param.decorator';
import { TaskResponse } from './task.response';

/** One execution of a task as the API returns it. */
export class ExecutionResponse extends EntityResponse {
  @ApiProperty({ format: 'uuid', pattern: UUID_PATTERN }) taskId: string;
  @ApiProperty({ maxLength: 100 }) agentType: string;
  @ApiProperty({ enum: ExecutionStatus, enumName: 'ExecutionStatus' }) status: ExecutionStatus;
  @ApiProperty({ type: 'array', items: {} }) logs: unknown[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt: string | null;
  @ApiPropertyOptional({ type: () => TaskResponse, description: 'With `include=task`.' })
  task?: TaskResponse;
}
