import { TextField } from '../../http/field.decorators';

/** The body of `POST /notes` (the tenant comes from `X-Tenant-Id`, never from the body). */
export class CreateNoteDto {
  @TextField({ max: 200, description: 'Short summary.', example: 'Quarterly numbers' })
  title: string;

  @TextField({ min: 0, max: 10_000, nullable: true, description: 'Free text.' })
  body?: string | null;
}
