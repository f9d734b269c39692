import { TEXT_OPERATORS } from '../database';
import { ListQueryDocs, SOFT_DELETABLE_LIST_QUERY as BASE } from '../http/api-list-query.decorator';

/** `GET /users`: the `@Queryable` allow-list of `User`. */
export const USERS_LIST_QUERY: ListQueryDocs = {
  sortable: [...BASE.sortable, 'email', 'displayName'],
  filters: { ...BASE.filters, email: TEXT_OPERATORS, displayName: TEXT_OPERATORS },
};
