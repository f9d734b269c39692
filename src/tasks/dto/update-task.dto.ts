import { PartialType } from '@nestjs/swagger';
import { VersionField } from '../../http/field.decorators';
import { CreateTaskDto } from './create-task.dto';

/** The body of `PATCH /tasks/:id`: any fields of a task, plus the `version` read. */
export class UpdateTaskDto extends PartialType(CreateTaskDto, { skipNullProperties: false }) {
  @VersionField()
  version: number;
}
