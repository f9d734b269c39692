import { validateSync, ValidationError } from 'class-validator';
import type { EntityMetadata } from 'typeorm';
import { EntityValidationError } from '../errors/entity-validation.error';
import { ColumnInfo } from './entity-columns';

/** Unpaired UTF-16 surrogates: PostgreSQL cannot store them, and Node would replace them silently. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** @internal Validates and prepares writes of one entity: allow-list of writable fields, class-validator, pg values. */
export class EntityInput {
  /** Properties a caller may write: not generated, not managed by TypeORM. */
  readonly writable: Set<string>;
  private readonly json: Set<string>;
  private readonly prototype: object;

  constructor(
    private readonly metadata: EntityMetadata,
    columns: Map<string, ColumnInfo>,
  ) {
    this.writable = new Set(
      [...columns.values()]
        .filter(
          ({ metadata: c }) => !c.isGenerated && !c.isCreateDate && !c.isUpdateDate && !c.isVersion && !c.isDeleteDate,
        )
        .map((c) => c.property),
    );
    this.json = new Set([...columns.values()].filter((c) => c.kind === 'json').map((c) => c.property));
    this.prototype = (metadata.target as Function).prototype;
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
    const errors: Record<string, string[]> = {};
    const keys = Object.keys(data).filter((k) => (data as Record<string, unknown>)[k] !== undefined);
    for (const key of keys) {
      const value = (data as Record<string, unknown>)[key];
      if (!this.writable.has(key)) errors[key] = ['is not a writable field'];
      else if (typeof value === 'string' && value.includes('\u0000')) errors[key] = ['must not contain NUL characters'];
      else if (typeof value === 'string' && LONE_SURROGATE.test(value)) errors[key] = ['must be valid Unicode text'];
    }
    if (Object.keys(errors).length) throw new EntityValidationError(this.metadata.name, errors);
    const candidate = Object.assign(Object.create(this.prototype), data);
    const failures: ValidationError[] = validateSync(candidate, {
      skipMissingProperties: partial,
      forbidUnknownValues: false,
    });
    if (failures.length) throw EntityValidationError.fromValidation(this.metadata.name, failures);
    return keys.sort();
  }

  /** The pg value of a property: JSON columns are sent as JSON text (arrays included). */
  value(property: string, value: unknown): unknown {
    return this.json.has(property) && value !== null && value !== undefined ? JSON.stringify(value) : value;
  }

  /** Bound values for `properties` of `data`. */
  values(properties: string[], data: object): unknown[] {
    return properties.map((p) => this.value(p, (data as Record<string, unknown>)[p]));
  }

  /**
   * Checks every row of a batch (errors are named `<index>.<field>`) and groups the rows by the
   * set of properties they write, so each group is one multi-row INSERT.
   */
  groupBatch<R extends object>(data: R[]): Array<{ properties: string[]; rows: R[] }> {
    if (!Array.isArray(data)) throw EntityValidationError.field(this.metadata.name, 'body', 'must be an array');
    const groups = new Map<string, { properties: string[]; rows: R[] }>();
    data.forEach((row, index) => {
      let properties: string[];
      try {
        properties = this.check(row, false);
      } catch (error) {
        if (!(error instanceof EntityValidationError)) throw error;
        const errors = Object.fromEntries(Object.entries(error.errors).map(([k, v]) => [`${index}.${k}`, v]));
        throw new EntityValidationError(this.metadata.name, errors);
      }
      const key = properties.join(',');
      const group = groups.get(key) ?? { properties, rows: [] };
      group.rows.push(row);
      groups.set(key, group);
    });
    return [...groups.values()];
  }
}
