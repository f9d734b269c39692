import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database';
import { Task, TaskExecution } from '../entities';
import { TaskExecutionsController } from './task-executions.controller';
import { TasksController } from './tasks.controller';

/** The `/tasks` resource and its executions. */
@Module({
  imports: [DatabaseModule.forFeature([Task, TaskExecution])],
  controllers: [TasksController, TaskExecutionsController],
})
export class TasksModule {}
