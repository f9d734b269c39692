import { ApiProperty } from '@nestjs/swagger';
import { EntityResponse } from '../../http/api-models';

/** A user as the API returns it. */
export class UserResponse extends EntityResponse {
  @ApiProperty({ format: 'email', maxLength: 320, example: 'ada@example.com' })
  email: string;

  @ApiProperty({ maxLength: 200, example: 'Ada Lovelace' })
  displayName: string;
}
