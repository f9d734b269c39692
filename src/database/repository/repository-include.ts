import { createHash } from 'node:crypto';
import type { DataSource, EntityMetadata, FindManyOptions, ObjectLiteral, Repository } from 'typeorm';
import { InvalidQueryError } from '../errors/invalid-query.error';
import type { ColumnParsers, Statement } from '../sql/sql-executor';
import { quoteIdentifier } from '../sql/quote-identifier';
import type { ColumnInfo } from './entity-columns';
import { IncludedEntity, IncludePlanner } from './include-plan';
import { includeColumns, includeParsers, qualifiedSelect } from './include-sql';
import { IncludeNode, ParsedInclude, parseInclude } from './include.parser';
import type { ParsedListQuery } from './list-query';
import { KEY_ALIAS } from './list-sql';

/** Relation paths to read with the rows: `'executions'`, `'task.executions'`, or several. */
export type IncludeInput = string | string[];

/** Find options that stand in for what `include` does itself (or would change what a row is). */
const EXCLUSIVE = ['relations', 'select', 'lock', 'loadRelationIds', 'relationLoadStrategy'] as const;

/** Distinct include statements prepared per entity (by id); later ones run unnamed. */
const MAX_PREPARED = 64;

const planners = new WeakMap<DataSource, IncludePlanner>();

/** @internal The DataSource's include planner (entities compiled once, whichever service reaches them). */
export function includePlanner(dataSource: DataSource): IncludePlanner {
  let planner = planners.get(dataSource);
  if (!planner) planners.set(dataSource, (planner = new IncludePlanner(dataSource)));
  return planner;
}

/**
 * @internal The `include` side of one RepositoryService: parses relation paths against the
 * entity's `@Includable` allow-lists and wraps each read so the related rows come back in the same
 * statement, as JSON columns (see `include-sql.ts`).
 */
export class RepositoryInclude {
  readonly entity: IncludedEntity;
  private readonly select: string;
  /** How many of the entity's own columns its rows start with (then sort keys, then relations). */
  private readonly selected: number;
  private readonly byId = new Map<string, Statement | undefined>();
  private readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, ParsedInclude>();

  constructor(
    private readonly metadata: EntityMetadata,
    dataSource: DataSource,
    private readonly columns: Map<string, ColumnInfo>,
    private readonly table: string,
  ) {
    this.entity = includePlanner(dataSource).entity(metadata);
    this.select = qualifiedSelect(columns, 'p');
    this.selected = [...columns.values()].filter((c) => c.select && !c.relationOnly).length;
  }

  /**
   * The parsers reading the relations of rows of `findById` and `find` (their columns follow the
   * entity's own), or of a page's rows when `first` says where they start (after its sort keys).
   */
  parsers(include: ParsedInclude, first = this.selected): ColumnParsers {
    return includeParsers(include.nodes, first);
  }

  /** An `@Includable` relation of the entity (for `filter.<relation>.<field>`). */
  readonly relation = (property: string) => this.entity.relation(property);

  /** Validates `include`; throws InvalidQueryError naming it. Valid texts are remembered (the same few recur). */
  parse(value: unknown): ParsedInclude | undefined {
    if (typeof value !== 'string') return parseInclude(value, this.entity);
    let parsed = this.parsed.get(value);
    if (!parsed) {
      parsed = parseInclude(value, this.entity)!;
      if (this.parsed.size < MAX_PREPARED) this.parsed.set(value, parsed);
    }
    return parsed;
  }

  /** The relations' select-list text of a set of paths (compiled once per set and deletion scope). */
  private columnsOf(include: ParsedInclude, withDeleted: boolean): string {
    const key = `${withDeleted ? 'd' : 'l'}:${include.paths.join(',')}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      text = includeColumns(include.nodes, 'p', withDeleted);
      if (this.texts.size < MAX_PREPARED) this.texts.set(key, text);
    }
    return text;
  }

  /** `findById` with relations: one named statement per set of paths and deletion scope. */
  findById(include: ParsedInclude, withDeleted: boolean): Statement {
    const key = `${withDeleted ? 'd' : 'l'}:${include.paths.join(',')}`;
    let statement = this.byId.get(key);
    if (statement) return statement;
    const id = quoteIdentifier(this.metadata.primaryColumns[0].databaseName);
    const deletedAt = this.metadata.deleteDateColumn;
    const live = deletedAt && !withDeleted ? ` AND p.${quoteIdentifier(deletedAt.databaseName)} IS NULL` : '';
    const text = `SELECT ${this.select}${includeColumns(include.nodes, 'p', withDeleted)} FROM ${this.table} p WHERE p.${id} = $1${live}`;
    // Named by a hash of the text, as list statements are: two tables sharing a 30-character prefix never collide.
    const name = `${this.metadata.tablePath.slice(0, 30)}:include#${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    statement = this.byId.size < MAX_PREPARED ? { name, text } : { name: '', text };
    if (statement.name) this.byId.set(key, statement);
    return statement;
  }

  /**
   * How a list page reads its relations: the page (`table.*`, sorted, limited) is a subquery, and
   * only its rows get their related rows, in the page's order. (Its `LIMIT` is a literal, see
   * `list-sql.ts`: bound, the generic plan was priced for a tenth of the rows with their
   * subqueries and every page was planned again.)
   */
  page(
    query: ParsedListQuery,
    include: ParsedInclude,
    textKeys = false,
  ): { select: string; wrap: (text: string) => string } {
    const keys = textKeys ? query.sort.map((_, i) => `, p."${KEY_ALIAS}${i}"`).join('') : '';
    const order = query.sort.map(([property, direction]) => `p.${this.columns.get(property)!.sql} ${direction}`);
    const relations = this.columnsOf(include, query.withDeleted);
    return {
      select: `${this.table}.*`,
      wrap: (text) => `SELECT ${this.select}${keys}${relations} FROM (${text}) p ORDER BY ${order.join(', ')}`,
    };
  }

  /**
   * `find` with relations in one statement: TypeORM builds the query of the matching keys, in its
   * order (its `where`, `order`, `skip`, `take`, `withDeleted`), and the rows are read by those keys
   * with their relations. A `where` through a relation joins rows, so keys are deduplicated first
   * (and `skip`/`take`, which TypeORM then leaves to a second query, applied after).
   */
  find<T extends ObjectLiteral>(
    repository: Repository<T>,
    options: FindManyOptions<T>,
    include: ParsedInclude,
  ): { text: string; values: unknown[] } {
    for (const option of EXCLUSIVE) {
      if (options[option] !== undefined) {
        throw new InvalidQueryError(
          'include',
          `cannot be combined with ${option}: it reads whole rows and their relations itself`,
        );
      }
    }
    const key = this.metadata.primaryColumns[0];
    const qb = repository.createQueryBuilder('root').setFindOptions(options);
    qb.select(`"root".${quoteIdentifier(key.databaseName)}`, 'k');
    const joins = qb.expressionMap.joinAttributes.length > 0;
    const [keys, values] = qb.getQueryAndParameters();
    const ordinal = `unnest(ARRAY(${keys})) WITH ORDINALITY AS o(k, n)`;
    const bind = (value: number | undefined, clause: string) => {
      if (!joins || value === undefined) return '';
      values.push(value);
      return ` ${clause} $${values.length}`;
    };
    const bounds = bind(options.skip, 'OFFSET') + bind(options.take, 'LIMIT');
    const source = joins ? `(SELECT k, min(n) AS n FROM ${ordinal} GROUP BY k ORDER BY n${bounds}) o` : ordinal;
    const id = quoteIdentifier(key.databaseName);
    const relations = includeColumns(include.nodes, 'p', options.withDeleted === true);
    return {
      text: `SELECT ${this.select}${relations} FROM ${source} JOIN ${this.table} p ON p.${id} = o.k ORDER BY o.n`,
      values,
    };
  }
}

export type { IncludeNode };
