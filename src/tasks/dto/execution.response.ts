import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ExecutionStatus } from '../../entities';
import { EntityResponse } from '../../http/api-models';
import { UUID_PATTERN } from '../../http/uuid-param.decorator';
import { TaskRow } from './task-row.response';

/** An execution's own columns: as the API returns it, and inside an included row. */
export class ExecutionRow extends EntityResponse {
  @ApiProperty({ format: 'uuid', pattern: UUID_PATTERN }) taskId: string;
  @ApiProperty({ maxLength: 100 }) agentType: string;
  @ApiProperty({ enum: ExecutionStatus, enumName: 'ExecutionStatus' }) status: ExecutionStatus;
  @ApiProperty({ type: 'array', items: {} }) logs: unknown[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) startedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt: string | null;
}

/** One execution of a task as the API returns it, with its task when `include=task` asks for it. */
export class ExecutionResponse extends ExecutionRow {
  @ApiPropertyOptional({ type: () => TaskRow, description: 'With `include=task`.' })
  task?: TaskRow;
}
