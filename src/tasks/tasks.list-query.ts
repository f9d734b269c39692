import { EQUALITY_OPERATORS, RANGE_OPERATORS, TEXT_OPERATORS } from '../database';
import { ListQueryDocs, SOFT_DELETABLE_LIST_QUERY as BASE } from '../http/api-list-query.decorator';

/** `GET /tasks`: the `@Queryable` allow-list of `Task`. */
export const TASKS_LIST_QUERY: ListQueryDocs = {
  sortable: [...BASE.sortable, 'title', 'status', 'priority'],
  filters: {
    ...BASE.filters,
    title: TEXT_OPERATORS,
    description: TEXT_OPERATORS,
    status: EQUALITY_OPERATORS,
    priority: RANGE_OPERATORS,
    assigneeId: EQUALITY_OPERATORS,
    parentId: EQUALITY_OPERATORS,
    'executions.status': EQUALITY_OPERATORS,
    'executions.agentType': TEXT_OPERATORS,
  },
  includes: ['assignee', 'executions', 'parent'],
};

/** `GET /tasks/:id/executions`: the `@Queryable` allow-list of `TaskExecution`. */
export const EXECUTIONS_LIST_QUERY: ListQueryDocs = {
  sortable: [...BASE.sortable, 'agentType', 'status'],
  filters: {
    ...BASE.filters,
    taskId: EQUALITY_OPERATORS,
    agentType: TEXT_OPERATORS,
    status: EQUALITY_OPERATORS,
    startedAt: RANGE_OPERATORS,
    completedAt: RANGE_OPERATORS,
  },
  includes: ['task'],
};
