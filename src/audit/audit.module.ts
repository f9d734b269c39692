import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database';
import { AuditLog, Task, User } from '../entities';
import { AuditLogsController } from './audit-logs.controller';
import { EntityHistoryController } from './entity-history.controller';

/** The audit trail's read side: `/audit-logs` and the per-entity history routes. */
@Module({
  imports: [DatabaseModule.forFeature([AuditLog, User, Task])],
  controllers: [AuditLogsController, EntityHistoryController],
})
export class AuditModule {}
