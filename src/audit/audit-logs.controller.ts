import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectRepositoryService, listQueryFromHttp, Page, RepositoryService } from '../database';
import { AuditLog } from '../entities';
import { ApiListQuery } from '../http/api-list-query.decorator';
import { AUDIT_LOGS_LIST_QUERY } from './audit.list-query';

/** `GET /audit-logs`: the audit trail, paginated and filtered with the list grammar. */
@ApiTags('audit')
@Controller('audit-logs')
export class AuditLogsController {
  constructor(@InjectRepositoryService(AuditLog) private readonly logs: RepositoryService<AuditLog>) {}

  @Get()
  @ApiOperation({ summary: 'List audit entries (filter by entityType, entityId, actor, action, createdAt range)' })
  @ApiListQuery(AUDIT_LOGS_LIST_QUERY)
  list(@Query() query: Record<string, unknown>, @Req() req: { path: string }): Promise<Page<AuditLog>> {
    return this.logs.paginate(listQueryFromHttp(query), { path: req.path });
  }
}
