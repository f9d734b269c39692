import { ApiProperty } from '@nestjs/swagger';

/** One audit entry as the API returns it. */
export class AuditLogResponse {
  @ApiProperty({
    format: 'int64',
    pattern: '^[1-9][0-9]{0,17}$',
    example: '42',
    description: 'Numbered in insertion order (a 64-bit integer, as a string).',
  })
  id: string;
  @ApiProperty({ maxLength: 100, example: 'Task' }) entityType: string;
  @ApiProperty({ maxLength: 200 }) entityId: string;
  @ApiProperty({ enum: ['create', 'update', 'soft_delete', 'restore', 'delete'] }) action: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) oldValues: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) newValues: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ maxLength: 200 }) actor: string;
  @ApiProperty({ type: String, maxLength: 100, nullable: true }) requestId: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
}
