import { PartialType } from '@nestjs/swagger';
import { VersionField } from '../../http/field.decorators';
import { CreateNoteDto } from './create-note.dto';

/** The body of `PATCH /notes/:id`: any fields of a note, plus the `version` read. */
export class UpdateNoteDto extends PartialType(CreateNoteDto, { skipNullProperties: false }) {
  @VersionField()
  version: number;
}
