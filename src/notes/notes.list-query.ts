import { EQUALITY_OPERATORS, TEXT_OPERATORS } from '../database';
import { ListQueryDocs, SOFT_DELETABLE_LIST_QUERY as BASE } from '../http/api-list-query.decorator';

/** `GET /notes`: the `@Queryable` allow-list of `Note`. */
export const NOTES_LIST_QUERY: ListQueryDocs = {
  sortable: [...BASE.sortable, 'title'],
  filters: { ...BASE.filters, tenantId: EQUALITY_OPERATORS, title: TEXT_OPERATORS },
};
