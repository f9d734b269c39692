import { Body, Query, Type } from '@nestjs/common';
import type { ObjectLiteral } from 'typeorm';
import { listQueryFromHttp, Page, RepositoryService } from '../database';
import { ListQueryDocs } from './api-list-query.decorator';
import { QueryFlags, QueryFlagValues } from './query-flags.pipe';
import { documentedIncludes, ReadQuery, ReadQueryValues } from './read-query.pipe';
import {
  CreateRoute,
  DeleteRoute,
  ListRoute,
  ReadRoute,
  RestoreRoute,
  UpdateRoute,
} from './resource-routes.decorators';
import { UuidParam } from './uuid-param.decorator';

/** What the routes of one soft-deletable resource need. */
export interface ResourceOptions {
  /** Path of the resource, e.g. `/users` (for page links). */
  path: string;
  /** Its noun in summaries, e.g. `user`. */
  noun: string;
  /** Body of POST. */
  createDto: Type;
  /** Body of PATCH: any fields plus the `version` read. */
  updateDto: Type<{ version: number }>;
  /** The row as answered, for OpenAPI. */
  response: Type;
  /** The entity's `@Queryable` allow-list, for OpenAPI. */
  listQuery: ListQueryDocs;
  /** Appended to the delete and restore summaries, e.g. what cascades. */
  cascade?: string;
}

/**
 * The routes of a soft-deletable resource on its {@link RepositoryService}: `POST /`, `GET /`
 * (list grammar), `GET /:id[?withDeleted=true]`, `PATCH /:id` (optimistic locking on `version`),
 * `DELETE /:id[?hard=true]` and `POST /:id/restore`. Extend it with `@Controller(path)`.
 *
 * @example
 * @Controller('users')
 * export class UsersController extends SoftDeletableResourceController<User>({ path: '/users', … }) {
 *   constructor(@InjectRepositoryService(User) users: RepositoryService<User>) { super(users); }
 * }
 */
export function SoftDeletableResourceController<T extends ObjectLiteral>(options: ResourceOptions) {
  const { noun, response, cascade = '' } = options;

  class ResourceController {
    constructor(readonly repository: RepositoryService<T>) {}

    @CreateRoute(response, `Create a ${noun}`)
    create(@Body() body: Partial<T>, @QueryFlags() _query: QueryFlagValues<never>): Promise<T> {
      return this.repository.create(body);
    }

    @ListRoute(response, `List ${noun}s (paginated, sortable, filterable)`, options.listQuery)
    list(@Query() query: Record<string, unknown>): Promise<Page<T>> {
      const input = listQueryFromHttp(query);
      documentedIncludes(input.include, options.listQuery.includes);
      return this.repository.paginate(input, { path: options.path });
    }

    @ReadRoute(response, `Read a ${noun}`, options.listQuery.includes)
    findOne(@UuidParam() id: string, @ReadQuery(options.listQuery.includes) query: ReadQueryValues): Promise<T> {
      return this.repository.findByIdOrFail(id, query);
    }

    @UpdateRoute(response, `Update a ${noun} at the version read`)
    update(
      @UuidParam() id: string,
      @Body() { version, ...patch }: { version: number },
      @QueryFlags() _query: QueryFlagValues<never>,
    ): Promise<T> {
      return this.repository.update(id, patch as Partial<T>, { expectedVersion: version });
    }

    @DeleteRoute(`Delete a ${noun}${cascade}: soft, or permanent with hard=true`)
    async remove(@UuidParam() id: string, @QueryFlags('hard') { hard }: QueryFlagValues<'hard'>): Promise<void> {
      await (hard ? this.repository.delete(id) : this.repository.softDelete(id));
    }

    @RestoreRoute(response, `Restore a soft-deleted ${noun}${cascade}`)
    restore(@UuidParam() id: string, @QueryFlags() _query: QueryFlagValues<never>): Promise<T> {
      return this.repository.restore(id);
    }
  }

  // Generic bodies erase to Object in `design:paramtypes`; the global ValidationPipe and Swagger
  // read the DTO class from there, so it is set explicitly.
  const paramTypes = (method: string, types: unknown[]) =>
    Reflect.defineMetadata('design:paramtypes', types, ResourceController.prototype, method);
  paramTypes('create', [options.createDto, Object]);
  paramTypes('update', [String, options.updateDto, Object]);
  return ResourceController;
}
