import { IsArray, IsDate, IsEnum, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import type { Relation } from 'typeorm';
import {
  EQUALITY_OPERATORS,
  Includable,
  Queryable,
  RANGE_OPERATORS,
  SoftDeletableEntity,
  TEXT_OPERATORS,
} from '../database';
import { ExecutionStatus } from './task-status.enum';
import { Task } from './task.entity';

/** One run of a task by an agent, with its log. Removed with its task. */
@Entity({ name: 'task_executions' })
@Index('ix_task_executions_task_id', ['taskId', 'createdAt', 'id'])
export class TaskExecution extends SoftDeletableEntity {
  /** The task this run belongs to. */
  @IsUUID()
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  /** Readable with the run: `include=task`. */
  @Includable()
  @ManyToOne(() => Task, (task) => task.executions, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id' })
  task?: Relation<Task>;

  /** Which kind of agent ran it. */
  @IsString()
  @Length(1, 100)
  @Queryable({ sortable: true, filter: TEXT_OPERATORS })
  @Column({ name: 'agent_type', type: 'varchar', length: 100 })
  agentType: string;

  /** Where the run is in its life cycle. */
  @IsOptional()
  @IsEnum(ExecutionStatus)
  @Queryable({ sortable: true, filter: EQUALITY_OPERATORS })
  @Column({ type: 'enum', enum: ExecutionStatus, enumName: 'execution_status', default: ExecutionStatus.Queued })
  status: ExecutionStatus;

  /** Structured log lines. */
  @IsOptional()
  @IsArray()
  @Column({ type: 'jsonb', default: [] })
  logs: unknown[];

  /** When the run started. */
  @IsOptional()
  @IsDate()
  @Queryable({ filter: RANGE_OPERATORS })
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  /** When the run finished. */
  @IsOptional()
  @IsDate()
  @Queryable({ filter: RANGE_OPERATORS })
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}
