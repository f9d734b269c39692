import { EQUALITY_OPERATORS, RANGE_OPERATORS } from '../database';
import { ListQueryDocs } from '../http/api-list-query.decorator';

/** `GET /audit-logs`: the `@Queryable` allow-list of `AuditLog`. */
export const AUDIT_LOGS_LIST_QUERY: ListQueryDocs = {
  sortable: ['createdAt', 'id'],
  softDeletable: false,
  filters: {
    id: EQUALITY_OPERATORS,
    entityType: EQUALITY_OPERATORS,
    entityId: EQUALITY_OPERATORS,
    action: EQUALITY_OPERATORS,
    actor: EQUALITY_OPERATORS,
    requestId: EQUALITY_OPERATORS,
    createdAt: RANGE_OPERATORS,
  },
};
