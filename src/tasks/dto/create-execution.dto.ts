import { ExecutionStatus } from '../../entities';
import { DateTimeField, EnumField, JsonField, TextField } from '../../http/field.decorators';

/** Bounds of `logs`: a JSON array of log entries. */
export const LOGS_LIMITS = { maxDepth: 8, maxBytes: 65_536 };

/** The body of `POST /tasks/:id/executions`. */
export class CreateExecutionDto {
  @TextField({ max: 100, description: 'Which kind of agent ran it.', example: 'planner' })
  agentType: string;

  @EnumField(ExecutionStatus, 'ExecutionStatus', { optional: true, description: 'Default `queued`.' })
  status?: ExecutionStatus;

  @JsonField('array', LOGS_LIMITS, {
    optional: true,
    description: `A JSON array (at most ${LOGS_LIMITS.maxDepth} levels, ${LOGS_LIMITS.maxBytes} bytes).`,
    example: [{ at: '2026-01-01T00:00:00Z', line: 'started' }],
  })
  logs?: unknown[];

  @DateTimeField({ nullable: true, description: 'When the run started (ISO 8601).' })
  startedAt?: Date | null;

  @DateTimeField({ nullable: true, description: 'When the run finished (ISO 8601).' })
  completedAt?: Date | null;
}
