import { AuditLog } from './audit-log.entity';
import { Note } from './note.entity';
import { SystemConfig } from './system-config.entity';
import { TaskExecution } from './task-execution.entity';
import { Task } from './task.entity';
import { User } from './user.entity';

export { AuditLog, Note, SystemConfig, Task, TaskExecution, User };
export { ExecutionStatus, TaskStatus } from './task-status.enum';

/** Every entity of the example application, for the DataSource. */
export const ENTITIES = [User, Task, TaskExecution, AuditLog, SystemConfig, Note];
