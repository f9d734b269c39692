import { ApiProperty } from '@nestjs/swagger';
import { TaskStatus } from '../../entities';
import { EntityResponse } from '../../http/api-models';
import { UUID_PATTERN } from '../../http/uuid-param.decorator';

/** A task's own columns: a task as the API returns it, and as it appears inside an included row. */
export class TaskRow extends EntityResponse {
  @ApiProperty({ maxLength: 200 }) title: string;
  @ApiProperty({ type: String, maxLength: 10_000, nullable: true }) description: string | null;
  @ApiProperty({ enum: TaskStatus, enumName: 'TaskStatus' }) status: TaskStatus;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10 }) priority: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) requirements: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', pattern: UUID_PATTERN, nullable: true }) assigneeId: string | null;
  @ApiProperty({ type: String, format: 'uuid', pattern: UUID_PATTERN, nullable: true }) parentId: string | null;
}
