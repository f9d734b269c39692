import { EntitySchema } from '@mikro-orm/core';

/** A task as MikroORM maps `tasks` (written by hand, no decorators). */
export interface MikroTask {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  deletedAt?: Date | null;
  title: string;
  description?: string | null;
  status: string;
  priority: number;
  requirements: Record<string, unknown>;
  assigneeId?: string | null;
  parentId?: string | null;
}

/** The columns of `task_executions` the scenarios touch. */
export interface MikroTaskExecution {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  deletedAt?: Date | null;
  taskId: string;
  agentType: string;
}

const base = {
  id: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
  createdAt: { type: 'Date', fieldName: 'created_at', defaultRaw: 'now()' },
  updatedAt: { type: 'Date', fieldName: 'updated_at', defaultRaw: 'now()' },
  version: { type: 'integer', default: 1 },
  deletedAt: { type: 'Date', fieldName: 'deleted_at', nullable: true },
} as const;

/** `tasks` as the migration creates it. */
export const TaskSchema = new EntitySchema<MikroTask>({
  name: 'MikroTask',
  tableName: 'tasks',
  properties: {
    ...base,
    title: { type: 'string', length: 200 },
    description: { type: 'text', nullable: true },
    status: { type: 'string', default: 'pending' },
    priority: { type: 'smallint', default: 0 },
    requirements: { type: 'json', defaultRaw: `'{}'` },
    assigneeId: { type: 'uuid', fieldName: 'assignee_id', nullable: true },
    parentId: { type: 'uuid', fieldName: 'parent_id', nullable: true },
  },
});

/** `task_executions`, the columns the scenarios touch. */
export const TaskExecutionSchema = new EntitySchema<MikroTaskExecution>({
  name: 'MikroTaskExecution',
  tableName: 'task_executions',
  properties: {
    ...base,
    taskId: { type: 'uuid', fieldName: 'task_id' },
    agentType: { type: 'string', fieldName: 'agent_type', length: 100 },
  },
});
