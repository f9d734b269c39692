import { PartialType } from '@nestjs/swagger';
import { VersionField } from '../../http/field.decorators';
import { CreateUserDto } from './create-user.dto';

/** The body of `PATCH /users/:id`: any fields of a user, plus the `version` read. */
export class UpdateUserDto extends PartialType(CreateUserDto, { skipNullProperties: false }) {
  @VersionField()
  version: number;
}
