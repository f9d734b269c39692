import { Check, Column, Entity, Index, JoinColumn, ManyToOne, OneToMany } from 'typeorm';
import type { Relation } from 'typeorm';
import { SoftDeletableEntity } from '../database';
import { TaskExecution } from './task-execution.entity';
import { TaskStatus } from './task-status.enum';
import { User } from './user.entity';

/** A unit of work, optionally assigned to a user and nested under a parent task. */
@Entity({ name: 'tasks' })
@Check('ck_tasks_priority', '"priority" BETWEEN 0 AND 10')
@Index('ix_tasks_status_created_at', ['status', 'createdAt', 'id'])
@Index('ix_tasks_created_at', ['createdAt', 'id'])
export class Task extends SoftDeletableEntity {
  /** Short summary. */
  @Column({ type: 'varchar', length: 200 })
  title: string;

  /** Longer free text. */
  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Where the task is in its life cycle. */
  @Column({ type: 'enum', enum: TaskStatus, enumName: 'task_status', default: TaskStatus.Pending })
  status: TaskStatus;

  /** 0 (lowest) to 10 (highest). */
  @Column({ type: 'smallint', default: 0 })
  priority: number;

  /** Free-form requirements (skills, resources, ...). */
  @Column({ type: 'jsonb', default: {} })
  requirements: Record<string, unknown>;

  /** The user the task is assigned to, if any. */
  @Index('ix_tasks_assignee_id')
  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId: string | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assignee_id' })
  assignee?: Relation<User> | null;

  /** The parent task, if this is a sub-task. */
  @Index('ix_tasks_parent_id')
  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  @ManyToOne(() => Task, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'parent_id' })
  parent?: Relation<Task> | null;

  @OneToMany(() => TaskExecution, (execution) => execution.task)
  executions?: Relation<TaskExecution>[];
}
