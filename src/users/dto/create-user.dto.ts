import { EmailField, TextField } from '../../http/field.decorators';

/** The body of `POST /users`. */
export class CreateUserDto {
  @EmailField({ max: 320, description: 'Unique among live users; stored lower-cased.', example: 'ada@example.com' })
  email: string;

  @TextField({ max: 200, description: 'Name shown to other people.', example: 'Ada Lovelace' })
  displayName: string;
}
