import { IsEnum, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, OneToMany } from 'typeorm';
import type { Relation } from 'typeorm';
import {
  EQUALITY_OPERATORS,
  Includable,
  Queryable,
  RANGE_OPERATORS,
  SoftDeletableEntity,
  TEXT_OPERATORS,
} from '../database';
import { TaskExecution } from './task-execution.entity';
import { TaskStatus } from './task-status.enum';
import { User } from './user.entity';

/** A unit of work, optionally assigned to a user and nested under a parent task. */
@Entity({ name: 'tasks' })
@Check('ck_tasks_priority', '"priority" BETWEEN 0 AND 10')
// Lists of live tasks by status (`filter.status`, newest first) read this index alone: partial, it
// holds no soft-deleted task, so a deep offset page's keys come from an index-only scan (README,
// "Deep offset pages"). `ix_tasks_created_at` serves every other list (deleted tasks too).
@Index('ix_tasks_live_status_created_at', ['status', 'createdAt', 'id'], { where: '"deleted_at" IS NULL' })
@Index('ix_tasks_created_at', ['createdAt', 'id'])
export class Task extends SoftDeletableEntity {
  /** Short summary. */
  @IsString()
  @Length(1, 200)
  @Queryable({ sortable: true, filter: TEXT_OPERATORS })
  @Column({ type: 'varchar', length: 200 })
  title: string;

  /** Longer free text. */
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  @Queryable({ filter: TEXT_OPERATORS })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Where the task is in its life cycle. */
  @IsOptional()
  @IsEnum(TaskStatus)
  @Queryable({ sortable: true, filter: EQUALITY_OPERATORS })
  @Column({ type: 'enum', enum: TaskStatus, enumName: 'task_status', default: TaskStatus.Pending })
  status: TaskStatus;

  /** 0 (lowest) to 10 (highest). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  @Queryable({ sortable: true, filter: RANGE_OPERATORS })
  @Column({ type: 'smallint', default: 0 })
  priority: number;

  /** Free-form requirements (skills, resources, ...). */
  @IsOptional()
  @IsObject()
  @Column({ type: 'jsonb', default: {} })
  requirements: Record<string, unknown>;

  /** The user the task is assigned to, if any. */
  @IsOptional()
  @IsUUID()
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Index('ix_tasks_assignee_id')
  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId: string | null;

  /** Readable with the task: `include=assignee`. */
  @Includable()
  @ManyToOne(() => User, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assignee_id' })
  assignee?: Relation<User> | null;

  /** The parent task, if this is a sub-task. */
  @IsOptional()
  @IsUUID()
  @Queryable({ filter: EQUALITY_OPERATORS })
  @Index('ix_tasks_parent_id')
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  /** Readable with the task: `include=parent`. */
  @Includable()
  @ManyToOne(() => Task, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'parent_id' })
  parent?: Relation<Task> | null;

  /** Its runs, newest first: `include=executions`. */
  @Includable()
  @OneToMany(() => TaskExecution, (execution) => execution.task)
  executions?: Relation<TaskExecution>[];
}
