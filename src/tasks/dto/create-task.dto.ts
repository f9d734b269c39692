import { TaskStatus } from '../../entities';
import { EnumField, IntField, JsonField, TextField, UuidField } from '../../http/field.decorators';

/** Bounds of `requirements`: a small JSON object. */
export const REQUIREMENTS_LIMITS = { maxDepth: 8, maxBytes: 16_384 };

/** The body of `POST /tasks`. */
export class CreateTaskDto {
  @TextField({ max: 200, description: 'Short summary.', example: 'Write the release notes' })
  title: string;

  @TextField({ min: 0, max: 10_000, nullable: true, description: 'Longer free text.' })
  description?: string | null;

  @EnumField(TaskStatus, 'TaskStatus', { optional: true, description: 'Default `pending`.' })
  status?: TaskStatus;

  @IntField(0, 10, { optional: true, description: '0 (lowest) to 10 (highest); default 0.' })
  priority?: number;

  @JsonField('object', REQUIREMENTS_LIMITS, {
    optional: true,
    description: `A JSON object (at most ${REQUIREMENTS_LIMITS.maxDepth} levels, ${REQUIREMENTS_LIMITS.maxBytes} bytes).`,
    example: { skills: ['sql'], gpu: false },
  })
  requirements?: Record<string, unknown>;

  @UuidField({ nullable: true, description: 'The user the task is assigned to (409 if there is no such user).' })
  assigneeId?: string | null;

  @UuidField({ nullable: true, description: 'The parent task (409 if there is no such task).' })
  parentId?: string | null;
}
