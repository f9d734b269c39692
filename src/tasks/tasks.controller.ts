import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectRepositoryService, RepositoryService } from '../database';
import { Task } from '../entities';
import { SoftDeletableResourceController } from '../http/soft-deletable-resource.controller';
import { CreateTaskDto } from './dto/create-task.dto';
import { TaskResponse } from './dto/task.response';
import { UpdateTaskDto } from './dto/update-task.dto';
import { TASKS_LIST_QUERY } from './tasks.list-query';

/**
 * `/tasks`: create, list, read, update with optimistic locking, soft/hard delete, restore.
 * Soft-deleting a task soft-deletes its executions; restoring it restores those deleted with it.
 */
@ApiTags('tasks')
@Controller('tasks')
export class TasksController extends SoftDeletableResourceController<Task>({
  path: '/tasks',
  noun: 'task',
  createDto: CreateTaskDto,
  updateDto: UpdateTaskDto,
  response: TaskResponse,
  listQuery: TASKS_LIST_QUERY,
  cascade: ' (its executions with it)',
}) {
  constructor(@InjectRepositoryService(Task) tasks: RepositoryService<Task>) {
    super(tasks);
  }
}
