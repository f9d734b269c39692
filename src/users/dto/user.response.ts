import { ApiProperty } from '@nestjs/swagger';
import { EntityResponse } from '../../http/api-models';

/** A user as the API returns it. */
export class UserResponse extends EntityResponse {
  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  displayName: string;
}
