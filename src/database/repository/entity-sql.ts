import type { EntityMetadata } from 'typeorm';
import type { Statement } from '../sql/sql-executor';
import { ColumnInfo, quote } from './entity-columns';

/** @internal A child table whose rows are soft-deleted and restored with their parent. */
interface SoftCascade {
  table: string;
  foreignKey: string;
  deletedAt: string;
  version?: string;
  updatedAt?: string;
}

/**
 * @internal The SQL of one entity, compiled once from its metadata: identifiers are quoted
 * metadata names only, every value is a `$n` parameter. Statements that vary with the set of
 * columns written are cached by that set.
 */
export class EntitySql {
  readonly table: string;
  readonly id: string;
  readonly deletedAt?: string;
  readonly version?: string;
  readonly updatedAt?: string;
  /** `"created_at" AS "createdAt", …`: rows come back keyed by property name. */
  readonly selectList: string;
  readonly findById: Statement;
  readonly findByIdWithDeleted: Statement;
  readonly hardDelete: Statement;
  readonly softDelete?: Statement;
  readonly restore?: Statement;
  private readonly cache = new Map<string, Statement>();
  private readonly cascades: SoftCascade[];

  constructor(
    private readonly metadata: EntityMetadata,
    private readonly columns: Map<string, ColumnInfo>,
    private readonly arrayTypes: Map<string, string>,
  ) {
    const name = metadata.tableName;
    const sqlOf = (c?: { databaseName: string }) => (c ? quote(c.databaseName) : undefined);
    this.table = quote(metadata.tablePath);
    this.id = sqlOf(metadata.primaryColumns[0])!;
    this.deletedAt = sqlOf(metadata.deleteDateColumn);
    this.version = sqlOf(metadata.versionColumn);
    this.updatedAt = sqlOf(metadata.updateDateColumn);
    this.selectList = [...columns.values()].map((c) => `${c.sql} AS ${quote(c.property)}`).join(', ');
    this.cascades = softCascades(metadata);
    const live = this.deletedAt ? ` AND ${this.deletedAt} IS NULL` : '';
    const select = `SELECT ${this.selectList} FROM ${this.table} WHERE ${this.id} = $1`;
    this.findById = { name: `${name}:findById`, text: select + live };
    this.findByIdWithDeleted = { name: `${name}:findByIdWithDeleted`, text: select };
    this.hardDelete = {
      name: `${name}:delete`,
      text: `DELETE FROM ${this.table} WHERE ${this.id} = $1 RETURNING ${this.id}`,
    };
    if (this.deletedAt) {
      this.softDelete = { name: `${name}:softDelete`, text: this.softDeleteSql() };
      this.restore = { name: `${name}:restore`, text: this.restoreSql() };
    }
  }

  /** `version = version + 1, updated_at = now()` for a write through alias `t` (or none). */
  private bumps(alias = ''): string[] {
    const p = alias ? `${alias}.` : '';
    return [
      ...(this.version ? [`${this.version} = ${p}${this.version} + 1`] : []),
      ...(this.updatedAt ? [`${this.updatedAt} = now()`] : []),
    ];
  }

  private softDeleteSql(): string {
    const target = `UPDATE ${this.table} SET ${[`${this.deletedAt} = now()`, ...this.bumps()].join(', ')}
      WHERE ${this.id} = $1 AND ${this.deletedAt} IS NULL RETURNING ${this.id} AS id, ${this.deletedAt} AS deleted_at`;
    const children = this.cascades.map(
      (
        c,
        i,
      ) => `c${i} AS (UPDATE ${c.table} AS ch SET ${c.deletedAt} = target.deleted_at${c.version ? `, ${c.version} = ch.${c.version} + 1` : ''}${c.updatedAt ? `, ${c.updatedAt} = now()` : ''}
        FROM target WHERE ch.${c.foreignKey} = target.id AND ch.${c.deletedAt} IS NULL)`,
    );
    return `WITH target AS (${target})${children.map((c) => `, ${c}`).join('')} SELECT id FROM target`;
  }

  private restoreSql(): string {
    const old = `SELECT ${this.id} AS id, ${this.deletedAt} AS deleted_at FROM ${this.table}
      WHERE ${this.id} = $1 AND ${this.deletedAt} IS NOT NULL FOR UPDATE`;
    const target = `UPDATE ${this.table} AS t SET ${[`${this.deletedAt} = NULL`, ...this.bumps('t')].join(', ')}
      FROM old WHERE t.${this.id} = old.id RETURNING ${this.selectList.replace(/(^|, )"/g, '$1t."')}`;
    // Children deleted together with the parent carry its exact deleted_at; earlier ones stay deleted.
    const children = this.cascades.map(
      (
        c,
        i,
      ) => `c${i} AS (UPDATE ${c.table} AS ch SET ${c.deletedAt} = NULL${c.version ? `, ${c.version} = ch.${c.version} + 1` : ''}${c.updatedAt ? `, ${c.updatedAt} = now()` : ''}
        FROM old WHERE ch.${c.foreignKey} = old.id AND ch.${c.deletedAt} = old.deleted_at)`,
    );
    return `WITH old AS (${old}), target AS (${target})${children.map((c) => `, ${c}`).join('')} SELECT * FROM target`;
  }

  private cached(key: string, build: () => string): Statement {
    let statement = this.cache.get(key);
    if (!statement) {
      statement = { name: `${this.metadata.tableName}:${key}`, text: build() };
      this.cache.set(key, statement);
    }
    return statement;
  }

  /** `INSERT (given columns) VALUES (…) RETURNING *`. */
  insert(properties: string[]): Statement {
    return this.cached(`insert(${properties})`, () => {
      const cols = properties.map((p) => this.columns.get(p)!.sql);
      const params = properties.map((_, i) => `$${i + 1}`);
      return `INSERT INTO ${this.table} (${cols.join(', ')}) VALUES (${params.join(', ')}) RETURNING ${this.selectList}`;
    });
  }

  /** One INSERT for a whole batch: each column is one array parameter, spread by `unnest`. */
  insertMany(properties: string[]): Statement {
    return this.cached(`insertMany(${properties})`, () => {
      const cols = properties.map((p) => this.columns.get(p)!.sql);
      const arrays = properties.map((p, i) => `$${i + 1}::${this.arrayTypes.get(p)}`);
      return `INSERT INTO ${this.table} (${cols.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')}) RETURNING ${this.selectList}`;
    });
  }

  /** `UPDATE … SET given columns WHERE id = $1 [AND version = $n] RETURNING *`, live rows only. */
  update(properties: string[], checkVersion: boolean): Statement {
    return this.cached(`update(${properties})${checkVersion ? 'v' : ''}`, () => {
      const sets = properties.map((p, i) => `${this.columns.get(p)!.sql} = $${i + 2}`);
      const live = this.deletedAt ? ` AND ${this.deletedAt} IS NULL` : '';
      const version = checkVersion ? ` AND ${this.version} = $${properties.length + 2}` : '';
      return `UPDATE ${this.table} SET ${[...sets, ...this.bumps()].join(', ')} WHERE ${this.id} = $1${live}${version} RETURNING ${this.selectList}`;
    });
  }

  /** `INSERT … ON CONFLICT (keys) [WHERE live] DO UPDATE SET … RETURNING *`. */
  upsert(properties: string[], conflict: string[], conflictWhere: string | undefined): Statement {
    return this.cached(`upsert(${properties};${conflict})`, () => {
      const insert = this.insert(properties).text.replace(/ RETURNING .*$/s, '');
      const updates = properties
        .filter((p) => !conflict.includes(p))
        .map((p) => `${this.columns.get(p)!.sql} = EXCLUDED.${this.columns.get(p)!.sql}`);
      const target = `(${conflict.map((p) => this.columns.get(p)!.sql).join(', ')})${conflictWhere ? ` WHERE ${conflictWhere}` : ''}`;
      const sets = [...updates, ...this.bumps(this.table)];
      const action = sets.length ? `DO UPDATE SET ${sets.join(', ')}` : 'DO NOTHING';
      return `${insert} ON CONFLICT ${target} ${action} RETURNING ${this.selectList}`;
    });
  }

  /** The version of a row, live or not: read only on the error path of a failed update. */
  get versionOf(): Statement {
    return this.cached(
      'versionOf',
      () =>
        `SELECT ${this.version ?? 'NULL'} AS version, ${this.deletedAt ?? 'NULL'} AS deleted FROM ${this.table} WHERE ${this.id} = $1`,
    );
  }
}

function softCascades(metadata: EntityMetadata): SoftCascade[] {
  return metadata.oneToManyRelations
    .filter((r) => r.inverseRelation?.onDelete === 'CASCADE' && r.inverseEntityMetadata.deleteDateColumn)
    .map((r) => {
      const child = r.inverseEntityMetadata;
      return {
        table: quote(child.tablePath),
        foreignKey: quote(r.inverseRelation!.joinColumns[0].databaseName),
        deletedAt: quote(child.deleteDateColumn!.databaseName),
        version: child.versionColumn ? quote(child.versionColumn.databaseName) : undefined,
        updatedAt: child.updateDateColumn ? quote(child.updateDateColumn.databaseName) : undefined,
      };
    });
}
