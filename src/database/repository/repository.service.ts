import type { PoolClient, QueryResultRow } from 'pg';
import type {
  DataSource,
  EntityManager,
  EntityMetadata,
  FindManyOptions,
  FindOptionsWhere,
  ObjectLiteral,
  Repository,
} from 'typeorm';
import { EntityNotDeletedError } from '../errors/entity-not-deleted.error';
import { EntityNotFoundError } from '../errors/entity-not-found.error';
import { EntityValidationError } from '../errors/entity-validation.error';
import { OptimisticLockError } from '../errors/optimistic-lock.error';
import { translateDatabaseError } from '../errors/translate-database-error';
import { currentActor, currentRequestId } from '../audit/audit-context';
import { isAudited, redactedFields } from '../audit/audit.decorators';
import type { BatchStatement } from '../sql/pipelined-batch';
import { quoteIdentifier } from '../sql/quote-identifier';
import { returningOldSupport } from '../sql/server-version';
import { arrayType, ColumnInfo, entityColumns } from './entity-columns';
import { EntityInput } from './entity-input';
import { groupedInserts, streamedInserts } from './insert-chunks';
import { EntityShape, entityShape } from './entity-shape';
import { EntitySql } from './entity-sql';
import type { ListQueryInput, Page, ParsedListQuery } from './list-query';
import { parseListQuery } from './list-query.parser';
import { buildListSql, keyPositions } from './list-sql';
import { runPage } from './repository-pagination';
import { compileHydrator, EntityHydrator } from './entity-hydrator';
import { CompiledPage, compiledPageKey, echoOf, MAX_COMPILED_PAGES, pageValues } from './compiled-page';
import { queryableProperties } from './queryable.decorator';
import type { RepositoryContext } from './repository.context';
import { streamRows } from './row-stream';
import { UnsupportedEntityError } from './unsupported-entity.error';
import { readFromPrimary } from '../replicas/read-context';
import { isTenantScoped } from '../tenancy/tenant-column.decorator';
import { currentTenant } from '../tenancy/tenant-context';
import { TenantContextError } from '../tenancy/tenant.errors';
import { attachIncludes, attachIncludeValues } from './include-sql';
import type { ParsedInclude } from './include.parser';
import { IncludeInput, RepositoryInclude } from './repository-include';
import { InvalidQueryError } from '../errors/invalid-query.error';

/** Rows per statement in `createMany`: one round trip each, however many rows. */
export const CREATE_MANY_CHUNK = 5_000;

/** Options of reads by id. */
export interface FindByIdOptions extends ReadOptions {
  /** Also find a soft-deleted row (and, with `include`, soft-deleted related rows). */
  withDeleted?: boolean;
  /** `@Includable` relations to read with the row, in the same statement: `'executions'`, `['task.executions']`. */
  include?: IncludeInput;
}

/** Options of every read. */
export interface ReadOptions {
  /** Read from the primary even when read replicas are configured (they may lag). Default: false. */
  primary?: boolean;
}

/** Options of `findOne`. */
export interface FindOneOptions extends ReadOptions {
  /** Also find soft-deleted rows (and, with `include`, soft-deleted related rows). */
  withDeleted?: boolean;
  /** `@Includable` relations to read with the row, in the same statement. */
  include?: IncludeInput;
}

/** TypeORM's find options, and `include`: `@Includable` relations read in the same statement (instead of `relations`). */
export type FindOptions<T> = FindManyOptions<T> & { include?: IncludeInput } & ReadOptions;

/** Options of `createMany`. */
export interface CreateManyOptions {
  /**
   * `false`: do not read the rows back; `createMany` resolves to how many it inserted. Without the
   * audit trail the rows then travel as `COPY … FROM STDIN`, one statement for the whole batch
   * (one per set of written fields, in one transaction); with it, or for a tenant-scoped entity
   * (PostgreSQL refuses COPY into a table with row-level security), as the `unnest` INSERTs,
   * answering a count. Default `true`.
   */
  returning?: boolean;
}

/** Options of `paginate`. */
export interface PaginateOptions extends ReadOptions {
  /** Path the page's links start with, e.g. `/users`. Default: `''`. */
  path?: string;
}

/**
 * The generic repository of one entity: reads that skip soft-deleted rows, one-statement writes
 * with `RETURNING`, optimistic locking on write, validation inside the service, pagination in
 * offset and keyset modes, and constant-memory streaming. SQL is compiled once per entity and
 * run as named prepared statements. Any TypeORM entity with a single-column primary key works,
 * not only the package's base classes: the key, `@VersionColumn`, `@CreateDateColumn`,
 * `@UpdateDateColumn` and `@DeleteDateColumn` are found in its metadata and filled as TypeORM
 * fills them, and column names may differ from property names. What an entity lacks for a feature
 * (soft delete, optimistic locking) is an {@link UnsupportedEntityError} naming what to add.
 *
 * @example
 * constructor(@InjectRepositoryService(User) private readonly users: RepositoryService<User>) {}
 * await this.users.update(id, { displayName: 'Ada' }, { expectedVersion: 3 });
 */
export class RepositoryService<T extends ObjectLiteral> {
  readonly metadata: EntityMetadata;
  private readonly columns: Map<string, ColumnInfo>;
  private readonly sql: EntitySql;
  private readonly input: EntityInput;
  private readonly shape: EntityShape;
  /** Whether a value can be a key at all (else no row has it, and no SQL runs). */
  private readonly isKey: (id: unknown) => boolean;
  /** Makes entities of rows, with TypeORM's conversions on read (usually none). */
  private readonly hydrator: EntityHydrator<T>;
  /** The entity's `@Queryable` allow-list, merged along its class chain once. */
  private allow: ReturnType<typeof queryableProperties> | undefined;
  /** Whether the entity has a `@TenantColumn()` (its table's policy filters by the tenant in context). */
  private readonly tenantScoped: boolean;
  /** Relations read with rows (`include`), against the entity's `@Includable` allow-list. */
  private readonly include: RepositoryInclude;
  /** List inputs compiled so far (see `compiled-page.ts`), by their plain values. */
  private readonly pages = new Map<string, CompiledPage<T>>();

  constructor(
    entity: Function,
    private readonly dataSource: DataSource,
    private readonly context: RepositoryContext,
  ) {
    this.metadata = dataSource.getMetadata(entity);
    this.tenantScoped = isTenantScoped(this.metadata);
    this.columns = entityColumns(this.metadata, dataSource.driver);
    this.shape = entityShape(this.metadata, this.columns);
    this.isKey = this.shape.acceptsKey;
    const arrayTypes = new Map(
      [...this.columns.values()].map((c) => [c.property, arrayType(dataSource, c)] as [string, string]),
    );
    const audited = context.auditTable && isAudited(entity) && this.metadata.tableName !== context.auditTable;
    const audit = audited
      ? { table: quoteIdentifier(context.auditTable!), redacted: redactedFields(entity) }
      : undefined;
    this.sql = new EntitySql(this.metadata, this.columns, arrayTypes, audit, returningOldSupport(dataSource));
    this.input = new EntityInput(this.metadata, this.columns);
    const conversions = new Map<string, (value: unknown) => unknown>();
    for (const property of this.sql.hydrated) {
      const from = this.columns.get(property)!.convert?.from;
      if (from) conversions.set(property, from);
    }
    this.hydrator = compileHydrator(entity.prototype, this.sql.hydrated, conversions);
    this.include = new RepositoryInclude(this.metadata, dataSource, this.columns, this.sql.table);
  }

  /** TypeORM's repository of the entity, for what this service does not cover. */
  get repository(): Repository<T> {
    return this.dataSource.getRepository<T>(this.metadata.target);
  }

  /** TypeORM's EntityManager. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** The entity of a row (list rows also carry sort keys and relations): its columns' properties only. */
  private hydrate(row: QueryResultRow): T {
    return this.hydrator.fromRow(row);
  }

  /** Like {@link hydrate}, of a row read with `rowMode: 'array'`: its values in `hydrated` order. */
  private hydrateValues(values: unknown[]): T {
    return this.hydrator.fromValues(values);
  }

  private run(statement: Parameters<RepositoryContext['executor']['run']>[0], values: unknown[]) {
    return this.context.executor.run(statement, values, this.metadata);
  }

  /**
   * Runs a write; when audited, its statement also takes the entity type, actor and request id.
   * Not `async`, like the executor's `run` (each `async` layer returning a promise costs more
   * promises and microtask turns, each seen by a request context's async hooks); callers call it
   * inside their own `try` or `async` body, where a throw becomes their rejection.
   */
  private write(statement: Parameters<RepositoryContext['executor']['run']>[0], values: unknown[]) {
    if (this.sql.audit) values.push(this.metadata.name, currentActor(), currentRequestId());
    return this.context.executor.run(statement, values, this.metadata);
  }

  /**
   * The live row with that id, or `null` (soft-deleted rows too with `withDeleted`); with `include`,
   * its relations too, in the same statement.
   */
  findById(id: unknown, options: FindByIdOptions = {}): Promise<T | null> {
    // Not `async`: `then` makes one promise where `async` and `await` make two (each seen by the
    // async hooks of a request context); a throw before the read still comes back as a rejection.
    try {
      const include = this.include.parse(options.include);
      if (!this.isKey(id)) return Promise.resolve(null);
      const withDeleted = options.withDeleted === true;
      const statement = include
        ? this.include.findById(include, withDeleted)
        : withDeleted
          ? this.sql.findByIdWithDeleted
          : this.sql.findById;
      const executor = this.context.executor;
      // Without `include`, the row comes as an array in select-list order (see `hydrateValues`).
      const rowMode = include ? undefined : 'array';
      const parsers = include && this.include.parsers(include);
      const read = () =>
        statement.name
          ? executor.read(statement, [id], this.metadata, rowMode, parsers)
          : executor.readText(statement.text, [id], this.metadata, rowMode, parsers);
      return (options.primary ? readFromPrimary(read) : read()).then(({ rows }) => {
        if (!rows.length) return null;
        return include
          ? attachIncludes(this.hydrate(rows[0]), rows[0], include.nodes)
          : this.hydrateValues(rows[0] as unknown as unknown[]);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Like {@link findById}, but throws {@link EntityNotFoundError} when absent. */
  findByIdOrFail(id: unknown, options: FindByIdOptions = {}): Promise<T> {
    return this.findById(id, options).then((found) => {
      if (!found) throw EntityNotFoundError.byId(this.metadata.name, id);
      return found;
    });
  }

  /** The first live row matching `where`, or `null`; with `include`, its relations too (one statement). */
  async findOne(where: FindOptionsWhere<T> | FindOptionsWhere<T>[], options: FindOneOptions = {}): Promise<T | null> {
    if (options.include === undefined) {
      return this.typeorm(() => this.repository.findOne({ where, withDeleted: options.withDeleted }), options);
    }
    const { withDeleted, include, primary } = options;
    const [found] = await this.find({ where, take: 1, withDeleted, include, primary });
    return found ?? null;
  }

  /**
   * Live rows matching TypeORM find options (`withDeleted: true` to include soft-deleted ones);
   * with `include`, their `@Includable` relations too, in one statement whatever the number of rows.
   */
  async find(options: FindOptions<T> = {}): Promise<T[]> {
    const { include: paths, primary, ...rest } = options;
    const include = this.include.parse(paths);
    if (!include) return this.typeorm(() => this.repository.find(rest), { primary });
    const { text, values } = this.include.find(this.repository, rest, include);
    const parsers = this.include.parsers(include);
    const read = () => this.context.executor.readText(text, values, this.metadata, undefined, parsers);
    const { rows } = await (primary ? readFromPrimary(read) : read());
    return rows.map((row) => attachIncludes(this.hydrate(row), row, include.nodes));
  }

  /** How many live rows match. */
  async count(where: FindOptionsWhere<T> | FindOptionsWhere<T>[] = {}, options: ReadOptions = {}): Promise<number> {
    return this.typeorm(() => this.repository.count({ where }), options);
  }

  /** Whether any live row matches. */
  async exists(where: FindOptionsWhere<T> | FindOptionsWhere<T>[], options: ReadOptions = {}): Promise<boolean> {
    return this.typeorm(() => this.repository.exists({ where }), options);
  }

  /** A TypeORM read: on a replica when configured (TypeORM's "slave" connection), unless `primary`. */
  private async typeorm<R>(fn: () => Promise<R>, options: ReadOptions): Promise<R> {
    const read = () => this.context.executor.readThrough(fn);
    try {
      if (this.tenantScoped) return await this.inTenantTransaction(fn);
      return await (options.primary ? readFromPrimary(read) : read());
    } catch (error) {
      throw translateDatabaseError(error, this.metadata);
    }
  }

  /**
   * A tenant-scoped TypeORM read: TypeORM runs its own statements, which the one-round-trip tenant
   * setting cannot precede, so it runs in the open transaction (whose tenant was set at its start)
   * or in a short one of the transaction manager's, which sets the tenant with its BEGIN: on the
   * primary. Without a tenant in context, refused ({@link TenantContextError}).
   */
  private inTenantTransaction<R>(fn: () => Promise<R>): Promise<R> {
    if (currentTenant() === undefined) throw TenantContextError.missing(this.metadata.name);
    return this.atomically(fn);
  }

  /** `fn` in the open transaction, or in one of the transaction manager's (retried under its rules). */
  private atomically<R>(fn: () => Promise<R>): Promise<R> {
    const transactions = this.context.transactions;
    return transactions.inTransaction ? fn() : transactions.run(fn);
  }

  /** @internal Parses a list query against this entity's allow-list. */
  parse(input: ListQueryInput): ParsedListQuery {
    return parseListQuery(input, {
      columns: this.columns,
      allow: (this.allow ??= queryableProperties(this.metadata.target as Function)),
      defaultSort: this.shape.defaultSort,
      cursors: this.context.cursors,
      key: this.shape.key.property,
      softDeletable: this.shape.deleteDate !== undefined,
      include: (value) => this.include.parse(value),
      relation: (property) => this.include.relation(property)?.target,
    });
  }

  /**
   * A page in offset mode (`page`) or keyset mode (`cursor`), shaped as nestjs-paginate's.
   * Keyset pages never count the table; offset pages count unless `count: false`.
   */
  paginate(input: ListQueryInput = {}, options: PaginateOptions = {}): Promise<Page<T>> {
    // Not `async` (see `runPage`); a refused input still comes back as a rejection, never a throw.
    try {
      const compiled = this.compiledPage(input);
      const cursor = input.cursor ?? '';
      const values = pageValues(compiled, cursor, this.context.cursors);
      const path = options.path ?? '';
      const page = () => runPage(this.context, this.metadata, compiled, values, cursor, path);
      return options.primary ? readFromPrimary(page) : page();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `input` parsed, its SQL built and its rows' readers chosen: kept for the next call with the same input. */
  private compiledPage(input: ListQueryInput): CompiledPage<T> {
    const key = compiledPageKey(input);
    const kept = key === undefined ? undefined : this.pages.get(key);
    if (kept) return kept;
    const parsed = this.parse(input);
    // Its echo of `filter` and `sortBy` may hold the caller's own arrays: the kept query gets copies.
    const query = key === undefined ? parsed : { ...parsed, echo: echoOf(parsed) };
    const include = query.include as ParsedInclude | undefined;
    const keyColumns = keyPositions(query, this.sql.hydrated, this.columns);
    // A cursor page selects its keys again as `::text` only when it cannot read them from its columns.
    const textKeys = query.mode === 'cursor' && keyColumns === undefined;
    const sql = buildListSql(query, this.sql, this.columns, {
      ...(include && this.include.page(query, include, textKeys)),
      relation: this.include.relation,
      textKeys,
    });
    // Rows come as arrays in select-list order: the columns, the sort keys as text (unless read from
    // the columns themselves), then any included relations.
    const firstKey = this.sql.hydrated.length;
    const relations = firstKey + (textKeys ? query.sort.length : 0);
    const hydrate = include
      ? (row: unknown) =>
          attachIncludeValues(this.hydrateValues(row as unknown[]), row as unknown[], relations, include.nodes)
      : (row: unknown) => this.hydrateValues(row as unknown[]);
    const parsers = include && this.include.parsers(include, relations);
    const keys = keyColumns && { positions: keyColumns };
    // The keyset condition binds the cursor's keys last (a cursor page has no OFFSET to bind). The
    // compiled page keeps none of this call's keys in its query: each call brings its own (`pageValues`).
    const afterAt = query.after ? sql.values.length - query.after.length : undefined;
    const own = afterAt === undefined ? query : { ...query, after: undefined };
    const compiled: CompiledPage<T> = { query: own, sql, hydrate, firstKey, parsers, keys, afterAt };
    if (key !== undefined && this.pages.size < MAX_COMPILED_PAGES) this.pages.set(key, compiled);
    return compiled;
  }

  /**
   * Every row matching a list query (sort and filters; no limit), read through a server-side
   * cursor in batches: memory stays constant however many rows match.
   */
  stream(
    input: Omit<ListQueryInput, 'limit' | 'page' | 'cursor'> = {},
    options: { batchSize?: number } & ReadOptions = {},
  ): AsyncIterable<T> {
    if (input.include !== undefined) throw new InvalidQueryError('include', 'stream reads rows only; use paginate');
    const query = this.parse({ ...input, limit: 1 });
    const sql = buildListSql(query, this.sql, this.columns, { unbounded: true, relation: this.include.relation });
    return streamRows(
      this.context.executor,
      sql.text,
      sql.values,
      options.batchSize ?? 1_000,
      (row) => this.hydrate(row),
      this.metadata,
      options.primary ?? false,
    );
  }

  /** Validates and inserts one row; returns it as stored (one statement). */
  create(data: Partial<T>): Promise<T> {
    // Not `async` (see `write`): a throw before the statement still comes back as a rejection.
    try {
      const properties = this.input.check(data, false);
      return this.write(this.sql.insert(properties), this.input.values(properties, data)).then(({ rows }) =>
        this.hydrate(rows[0]),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Validates every row, then inserts them: one statement per chunk of {@link CREATE_MANY_CHUNK},
   * never row by row, returning the rows as stored; or, with `returning: false`, without reading
   * them back (see {@link CreateManyOptions}), resolving to how many were inserted. A batch with an
   * invalid row writes nothing; so does one a statement fails: several statements are one pipeline
   * (one round trip, each chunk built and sent while the server inserts the one before) in the open
   * transaction or in the pipeline's own; with a tenant in context, one by one in a transaction.
   */
  createMany(data: Array<Partial<T>>, options?: { returning?: true }): Promise<T[]>;
  createMany(data: Array<Partial<T>>, options: { returning: false }): Promise<number>;
  createMany(data: Array<Partial<T>>, options?: CreateManyOptions): Promise<T[] | number>;
  async createMany(data: Array<Partial<T>>, options: CreateManyOptions = {}): Promise<T[] | number> {
    // PostgreSQL refuses COPY FROM into a table with row-level security: tenant-scoped rows are INSERTed.
    if (options.returning === false && !this.sql.audit && !this.tenantScoped) return this.copyMany(data);
    const returning = options.returning !== false;
    const pipelined = !this.tenantScoped && currentTenant() === undefined;
    // Outside a transaction, a batch of several statements validates each chunk as it is made, while
    // the server inserts the one before (an invalid row rolls the pipeline back). In an open one,
    // every row is checked first, so an invalid row leaves that transaction usable.
    const late =
      pipelined && Array.isArray(data) && data.length > CREATE_MANY_CHUNK && !this.context.transactions.inTransaction;
    const groups = late ? undefined : this.input.groupBatch(data);
    // The audit values are read here, in the caller's context (the statements may be made later).
    const audit = this.sql.audit ? [this.metadata.name, currentActor(), currentRequestId()] : [];
    const chunks = { input: this.input, sql: this.sql, chunk: CREATE_MANY_CHUNK, returning, audit };
    const statements = groups ? groupedInserts(groups, chunks) : streamedInserts(data, chunks);
    // Streamed, the batch has more rows than a statement takes: several statements.
    const statementCount = groups
      ? groups.reduce((n, group) => n + Math.ceil(group.rows.length / CREATE_MANY_CHUNK), 0)
      : Infinity;
    const finish = (rows: QueryResultRow[]): T[] | number => {
      if (returning) return rows.map((row) => this.hydrate(row));
      let count = 0;
      for (const row of rows) count += row.count as number;
      return count;
    };
    if (statementCount > 1 && pipelined) {
      // One pipeline, one transaction: each chunk is built while the server inserts the one before.
      const next = () => statements.next().value as BatchStatement | undefined;
      const { rows } = await this.context.executor.runBatch(next()!, next, this.metadata);
      return finish(rows);
    }
    const insertAll = async (): Promise<T[] | number> => {
      const rows: QueryResultRow[] = [];
      for (const { name, text, values } of statements) {
        const result = await this.context.executor.run({ name: name!, text }, values, this.metadata);
        for (const row of result.rows) rows.push(row);
      }
      return finish(rows);
    };
    return statementCount > 1 ? this.atomically(insertAll) : insertAll();
  }

  /**
   * `COPY … FROM STDIN` per group of rows writing the same fields. In the open transaction, every
   * row is validated before the first COPY (an invalid row then leaves that transaction usable).
   * Otherwise on a connection of its own, in a transaction of its own when there are several
   * groups, and each row is validated as the COPY streams it, so the server inserts while the
   * rest is checked: an invalid row aborts the COPY, and nothing is written.
   */
  private async copyMany(data: Array<Partial<T>>): Promise<number> {
    const executor = this.context.executor;
    const ambient = executor.target();
    const inTransaction = ambient !== executor.pool;
    const groups = inTransaction ? this.input.groupBatch(data) : this.input.groupByShape(data);
    const copyAll = async (client: PoolClient) => {
      let count = 0;
      for (const group of groups) {
        const chunks = this.input.copyChunks(group, !inTransaction, this.sql.copyConstants);
        count += await executor.copyFrom(this.sql.copy(group.properties), chunks, this.metadata, client);
      }
      return count;
    };
    if (inTransaction) return copyAll(ambient as PoolClient);
    if (!groups.length) return 0;
    let client: PoolClient;
    try {
      client = await executor.pool.connect();
    } catch (error) {
      throw translateDatabaseError(error, this.metadata);
    }
    const own = groups.length > 1;
    let failed = false;
    try {
      if (own) await executor.begin('BEGIN', this.metadata, client);
      const count = await copyAll(client);
      if (own) await executor.runText('COMMIT', [], this.metadata, client);
      return count;
    } catch (error) {
      failed = true;
      if (own) await executor.runText('ROLLBACK', [], this.metadata, client).catch(() => undefined);
      throw error;
    } finally {
      // A connection that failed mid-COPY may be in any state: the pool discards it.
      client.release(failed || undefined);
    }
  }

  /**
   * Validates and applies `patch` to the live row (one statement). With `expectedVersion`, the
   * write happens only at that version, else {@link OptimisticLockError} and nothing changes.
   */
  update(id: unknown, patch: Partial<T>, options: { expectedVersion?: number } = {}): Promise<T> {
    // Not `async` (see `write`): a throw before the statement still comes back as a rejection.
    try {
      const properties = this.input.check(patch, true);
      const checkVersion = options.expectedVersion !== undefined;
      if (checkVersion && !this.shape.version) throw UnsupportedEntityError.noVersion(this.metadata.name);
      if (checkVersion && !Number.isInteger(options.expectedVersion)) {
        throw EntityValidationError.field(this.metadata.name, this.shape.version!.property, 'must be an integer');
      }
      if (!this.isKey(id)) throw EntityNotFoundError.byId(this.metadata.name, id);
      const values = [id, ...this.input.values(properties, patch), ...(checkVersion ? [options.expectedVersion] : [])];
      return this.write(this.sql.update(properties, checkVersion), values).then(({ rows }) =>
        rows.length ? this.hydrate(rows[0]) : this.notUpdated(id, options.expectedVersion),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Why an update changed no row: a missing (or soft-deleted) row, or a stale version. */
  private async notUpdated(id: unknown, expectedVersion: number | undefined): Promise<never> {
    const current = await this.run(this.sql.versionOf, [id]);
    const row = current.rows[0];
    if (!row || row.deleted) throw EntityNotFoundError.byId(this.metadata.name, id);
    throw OptimisticLockError.versionMismatch(this.metadata.name, id, expectedVersion!, row.version);
  }

  /**
   * Inserts, or updates the row that has the same `conflictColumns` (a unique key; for a partial
   * unique index the live-rows predicate is used). One statement; returns the stored row.
   */
  async upsert(data: Partial<T>, conflictColumns: Array<keyof T & string>): Promise<T> {
    const properties = this.input.check(data, false);
    for (const column of conflictColumns) {
      if (!properties.includes(column))
        throw EntityValidationError.field(this.metadata.name, column, 'is required to upsert');
    }
    const unique = this.metadata.indices.find(
      (i) =>
        i.isUnique &&
        i.columns.length === conflictColumns.length &&
        i.columns.every((c) => conflictColumns.includes(c.propertyName as keyof T & string)),
    );
    const statement = this.sql.upsert(properties, conflictColumns, unique?.where);
    const { rows } = await this.write(statement, this.input.values(properties, data));
    if (!rows.length) throw EntityNotFoundError.byId(this.metadata.name, conflictColumns.join(','));
    return this.hydrate(rows[0]);
  }

  /** Soft-deletes the live row, and its soft-deletable children, in one statement. */
  async softDelete(id: unknown): Promise<void> {
    const statement = this.sql.softDelete;
    if (!statement) throw UnsupportedEntityError.notSoftDeletable(this.metadata.name, 'softDelete');
    if (!this.isKey(id)) throw EntityNotFoundError.byId(this.metadata.name, id);
    const { rows } = await this.write(statement, [id]);
    if (!rows.length) throw EntityNotFoundError.byId(this.metadata.name, id);
  }

  /**
   * Restores a soft-deleted row and the children deleted with it; a taken unique key is a
   * UniqueViolationError, a live row an {@link EntityNotDeletedError}, no row an EntityNotFoundError.
   */
  async restore(id: unknown): Promise<T> {
    const statement = this.sql.restore;
    if (!statement) throw UnsupportedEntityError.notSoftDeletable(this.metadata.name, 'restore');
    if (!this.isKey(id)) throw EntityNotFoundError.byId(this.metadata.name, id);
    const { rows } = await this.write(statement, [id]);
    if (rows.length) return this.hydrate(rows[0]);
    // Error path only: tell a live row from a missing one.
    const current = (await this.run(this.sql.versionOf, [id])).rows[0];
    if (current && current.deleted === null) throw EntityNotDeletedError.byId(this.metadata.name, id);
    throw EntityNotFoundError.byId(this.metadata.name, id);
  }

  /** Deletes the row permanently (soft-deleted or not); foreign keys decide what happens to children. */
  async delete(id: unknown): Promise<void> {
    if (!this.isKey(id)) throw EntityNotFoundError.byId(this.metadata.name, id);
    const { rows } = await this.write(this.sql.hardDelete, [id]);
    if (!rows.length) throw EntityNotFoundError.byId(this.metadata.name, id);
  }
}
