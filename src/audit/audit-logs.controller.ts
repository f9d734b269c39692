import { Controller, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectRepositoryService, listQueryFromHttp, Page, RepositoryService } from '../database';
import { AuditLog } from '../entities';
import { ListRoute } from '../http/resource-routes.decorators';
import { AUDIT_LOGS_LIST_QUERY } from './audit.list-query';
import { AuditLogResponse } from './dto/audit-log.response';

/** `GET /audit-logs`: the audit trail, paginated and filtered with the list grammar. */
@ApiTags('audit')
@Controller('audit-logs')
export class AuditLogsController {
  constructor(@InjectRepositoryService(AuditLog) private readonly logs: RepositoryService<AuditLog>) {}

  @ListRoute(
    AuditLogResponse,
    'List audit entries (filter by entityType, entityId, actor, action, createdAt range)',
    AUDIT_LOGS_LIST_QUERY,
  )
  list(@Query() query: Record<string, unknown>, @Req() req: { path: string }): Promise<Page<AuditLog>> {
    return this.logs.paginate(listQueryFromHttp(query), { path: req.path });
  }
}
