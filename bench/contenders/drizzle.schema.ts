import { relations } from 'drizzle-orm';
import { integer, jsonb, pgEnum, pgTable, smallint, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const taskStatus = pgEnum('task_status', ['pending', 'in_progress', 'completed', 'failed', 'cancelled']);

/** `tasks` as the migration creates it, written by hand for Drizzle. */
export const tasks = pgTable('tasks', {
  id: uuid('id').primaryKey().defaultRandom(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  version: integer('version').notNull().default(1),
  deletedAt: timestamptz('deleted_at'),
  title: varchar('title', { length: 200 }).notNull(),
  description: text('description'),
  status: taskStatus('status').notNull().default('pending'),
  priority: smallint('priority').notNull().default(0),
  requirements: jsonb('requirements').notNull().default({}),
  assigneeId: uuid('assignee_id'),
  parentId: uuid('parent_id'),
});

/** `task_executions`, the columns the scenarios touch. */
export const taskExecutions = pgTable('task_executions', {
  id: uuid('id').primaryKey().defaultRandom(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  version: integer('version').notNull().default(1),
  deletedAt: timestamptz('deleted_at'),
  taskId: uuid('task_id').notNull(),
  agentType: varchar('agent_type', { length: 100 }).notNull(),
});

/** For Drizzle's relational queries (`db.query.tasks.findMany({ with: { executions: … } })`). */
export const tasksRelations = relations(tasks, ({ many }) => ({ executions: many(taskExecutions) }));
export const taskExecutionsRelations = relations(taskExecutions, ({ one }) => ({
  task: one(tasks, { fields: [taskExecutions.taskId], references: [tasks.id] }),
}));
