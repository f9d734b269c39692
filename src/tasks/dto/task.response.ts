import { ApiProperty } from '@nestjs/swagger';
import { TaskStatus } from '../../entities';
import { EntityResponse } from '../../http/api-models';

/** A task as the API returns it. */
export class TaskResponse extends EntityResponse {
  @ApiProperty() title: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ enum: TaskStatus, enumName: 'TaskStatus' }) status: TaskStatus;
  @ApiProperty({ minimum: 0, maximum: 10 }) priority: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) requirements: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigneeId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) parentId: string | null;
}
