import { ApiProperty } from '@nestjs/swagger';
import { EntityResponse } from '../../http/api-models';
import { UUID_PATTERN } from '../../http/uuid-param.decorator';

/** A note as the API returns it. */
export class NoteResponse extends EntityResponse {
  @ApiProperty({ format: 'uuid', pattern: UUID_PATTERN, description: 'The tenant (from `X-Tenant-Id`).' })
  tenantId: string;

  @ApiProperty({ maxLength: 200 }) title: string;
  @ApiProperty({ type: String, maxLength: 10_000, nullable: true }) body: string | null;
}
