import type { ValidationError } from 'class-validator';
import type { EntityMetadata } from 'typeorm';
import { EntityValidationError } from '../errors/entity-validation.error';
import { copyField, copyLine } from '../sql/copy-text';
import { ColumnInfo } from './entity-columns';
import { EntityValidator } from './entity-validator';

/** Unpaired UTF-16 surrogates: PostgreSQL cannot store them, and Node would replace them silently. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any UTF-16 surrogate: most text has none, and then {@link LONE_SURROGATE} (lookarounds, slower) need not run. */
const SURROGATE = /[\uD800-\uDFFF]/;

/** @internal Validates and prepares writes of one entity: allow-list of writable fields, class-validator, pg values. */
export class EntityInput {
  /** Properties a caller may insert: not generated, not managed by TypeORM, not `insert: false`. */
  readonly writable: Set<string>;
  /** Properties a caller may update: the same, but not `update: false`. */
  readonly updatable: Set<string>;
  private readonly json: Set<string>;
  /** How each property's value is made a pg value, for the properties where it is not as given. */
  private readonly converters = new Map<string, (value: unknown) => unknown>();
  private readonly prototype: object;
  private readonly validator: EntityValidator;

  constructor(
    private readonly metadata: EntityMetadata,
    columns: Map<string, ColumnInfo>,
  ) {
    // Columns the caller fills: TypeORM (or the database) fills the others.
    const given = [...columns.values()].filter(
      ({ metadata: c }) =>
        !c.isGenerated &&
        !c.generatedType &&
        !c.isCreateDate &&
        !c.isUpdateDate &&
        !c.isVersion &&
        !c.isDeleteDate &&
        !c.isDiscriminator,
    );
    this.writable = new Set(given.filter((c) => c.metadata.isInsert).map((c) => c.property));
    this.updatable = new Set(given.filter((c) => c.metadata.isUpdate).map((c) => c.property));
    this.json = new Set([...columns.values()].filter((c) => c.kind === 'json').map((c) => c.property));
    for (const c of columns.values()) {
      // A relation's join column takes the related entity (or its key), as TypeORM's does.
      if (c.relationOnly) this.converters.set(c.property, (v) => c.metadata.getEntityValue({ [c.property]: v }));
      else if (c.convert) this.converters.set(c.property, c.convert.to);
    }
    this.prototype = (metadata.target as Function).prototype;
    this.validator = new EntityValidator(metadata.target as Function);
  }

  /**
   * The written properties of `data` (in a stable order), after checking that each is writable,
   * holds no NUL character, and passes the entity's class-validator rules. `partial` validates
   * only the given properties (updates).
   */
  check(data: object, partial: boolean): string[] {
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      throw EntityValidationError.field(this.metadata.name, 'body', 'must be an object');
    }
    let errors: Record<string, string[]> | undefined;
    const keys = Object.keys(data).filter((k) => (data as Record<string, unknown>)[k] !== undefined);
    const writable = partial ? this.updatable : this.writable;
    for (const key of keys) {
      const value = (data as Record<string, unknown>)[key];
      const problem = !writable.has(key)
        ? 'is not a writable field'
        : typeof value !== 'string'
          ? undefined
          : value.includes('\u0000')
            ? 'must not contain NUL characters'
            : SURROGATE.test(value) && LONE_SURROGATE.test(value)
              ? 'must be valid Unicode text'
              : undefined;
      if (problem) (errors ??= {})[key] = [problem];
    }
    if (errors) throw new EntityValidationError(this.metadata.name, errors);
    const candidate = Object.assign(Object.create(this.prototype), data);
    const failures: ValidationError[] = this.validator.validate(candidate, partial);
    if (failures.length) throw EntityValidationError.fromValidation(this.metadata.name, failures);
    return keys.sort();
  }

  /**
   * The pg value of a property: TypeORM's conversion where it has one (transformers, `date`,
   * `simple-json`, a relation's entity), else JSON columns as JSON text (arrays included).
   */
  value(property: string, value: unknown): unknown {
    const convert = this.converters.size ? this.converters.get(property) : undefined;
    if (convert) return convert(value);
    return this.json.has(property) && value !== null && value !== undefined ? JSON.stringify(value) : value;
  }

  /** Bound values for `properties` of `data`. */
  values(properties: string[], data: object): unknown[] {
    return properties.map((p) => this.value(p, (data as Record<string, unknown>)[p]));
  }

  /**
   * `properties` of `rows` as `COPY … FROM STDIN` text, a chunk of `linesPerChunk` rows at a time
   * (each becomes one CopyData message), built as the COPY consumes them. With `validate`, each row
   * is checked first (see {@link groupBatch}): an invalid one throws, which aborts the COPY. Each
   * line ends with the `constants` fields (already COPY text), e.g. the version of a new row.
   */
  *copyChunks(
    group: BatchGroup<object>,
    validate: boolean,
    constants: readonly string[] = [],
    linesPerChunk = 1_000,
  ): Generator<string> {
    const { properties, rows, indexes } = group;
    const fields = [...new Array<string>(properties.length), ...constants];
    let chunk = '';
    let lines = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Record<string, unknown>;
      if (validate) this.checkRow(row, indexes[r]);
      for (let i = 0; i < properties.length; i++) fields[i] = copyField(this.value(properties[i], row[properties[i]]));
      chunk += copyLine(fields);
      if (++lines === linesPerChunk) {
        yield chunk;
        chunk = '';
        lines = 0;
      }
    }
    if (lines) yield chunk;
  }

  /**
   * Checks every row of a batch (errors are named `<index>.<field>`) and groups the rows by the
   * set of properties they write, so each group is one multi-row INSERT.
   */
  groupBatch<R extends object>(data: R[]): Array<BatchGroup<R>> {
    return this.group(data, 0, (row, index) => this.checkRow(row, index));
  }

  /**
   * Groups the rows of a batch by the set of properties they write, without validating them yet
   * (see {@link copyChunks}); rows that are not objects fail here, named by index (the first row's
   * is `offset`: `data` may be a slice of the batch). A row with the
   * same keys, in the same order and equally undefined, as the row before has its shape, found
   * without sorting (0.1 s of 100,000 rows otherwise, before the first statement could be sent).
   */
  groupByShape<R extends object>(data: R[], offset = 0): Array<BatchGroup<R>> {
    let keys: string[] = [];
    let given: boolean[] = [];
    let shape: string[] | undefined;
    return this.group(data, offset, (row, index) => {
      if (!row || typeof row !== 'object' || Array.isArray(row)) return this.checkRow(row, index);
      const values = row as Record<string, unknown>;
      const own = Object.keys(values);
      if (shape !== undefined && own.length === keys.length) {
        let same = true;
        for (let i = 0; same && i < own.length; i++)
          same = own[i] === keys[i] && (values[own[i]] !== undefined) === given[i];
        if (same) return shape;
      }
      keys = own;
      given = own.map((k) => values[k] !== undefined);
      shape = own.filter((_, i) => given[i]).sort();
      return shape;
    });
  }

  /** Rows by the properties `shape` tells they write (the same array as the row before's: the same group). */
  private group<R extends object>(
    data: R[],
    offset: number,
    shape: (row: R, index: number) => string[],
  ): Array<BatchGroup<R>> {
    if (!Array.isArray(data)) throw EntityValidationError.field(this.metadata.name, 'body', 'must be an array');
    const groups = new Map<string, BatchGroup<R>>();
    let last: { properties: string[]; group: BatchGroup<R> } | undefined;
    data.forEach((row, at) => {
      const index = at + offset;
      const properties = shape(row, index);
      let group = last?.properties === properties ? last.group : undefined;
      if (!group) {
        const key = properties.join(',');
        group = groups.get(key);
        if (!group) groups.set(key, (group = { properties, rows: [], indexes: [] }));
        last = { properties, group };
      }
      group.rows.push(row);
      group.indexes.push(index);
    });
    return [...groups.values()];
  }

  /** {@link check} of the rows `start` to `end` (excluded) of a group made by {@link groupByShape}. */
  checkRows(group: BatchGroup<object>, start: number, end: number): void {
    for (let r = start; r < end; r++) this.checkRow(group.rows[r], group.indexes[r]);
  }

  /** {@link check} of row `index` of a batch, its errors named `<index>.<field>`. */
  private checkRow(row: object, index: number): string[] {
    try {
      return this.check(row, false);
    } catch (error) {
      if (!(error instanceof EntityValidationError)) throw error;
      const errors = Object.fromEntries(Object.entries(error.errors).map(([k, v]) => [`${index}.${k}`, v]));
      throw new EntityValidationError(this.metadata.name, errors);
    }
  }
}

/** @internal Rows of a batch that write the same properties, with their places in the batch. */
export interface BatchGroup<R> {
  properties: string[];
  rows: R[];
  indexes: number[];
}
