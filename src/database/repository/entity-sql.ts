import { createHash } from 'node:crypto';
import type { EntityMetadata } from 'typeorm';
import { AuditSpec, auditCte, changedJson, rowJson } from '../audit/audit-sql';
import type { Statement } from '../sql/sql-executor';
import { quoteIdentifier } from '../sql/quote-identifier';
import { ColumnInfo, quoteTable } from './entity-columns';
import { restoreSql, softCascades, softDeleteSql } from './soft-delete-sql';

/**
 * @internal The SQL of one entity, compiled once from its metadata: identifiers are quoted
 * metadata names only, every value is a `$n` parameter. Statements that vary with the set of
 * columns written are cached by that set. With `audit`, every write also inserts its audit rows
 * in the same statement; its last three parameters are then entity type, actor and request id.
 */
export class EntitySql {
  readonly table: string;
  readonly id: string;
  readonly deletedAt?: string;
  readonly version?: string;
  readonly updatedAt?: string;
  /** `"created_at" AS "createdAt", …` of the columns TypeORM reads into entities: rows come back keyed by property name. */
  readonly selectList: string;
  /** Like {@link selectList}, but of every column (`select: false` and relation-only ones too): what writes return. */
  readonly returningList: string;
  readonly findById: Statement;
  readonly findByIdWithDeleted: Statement;
  readonly hardDelete: Statement;
  readonly softDelete?: Statement;
  readonly restore?: Statement;
  private readonly idProperty: string;
  /** Properties of every column, in returning-list order (written rows come back keyed by them). */
  readonly properties: string[];
  /** Properties an entity is hydrated with: those of {@link selectList}. */
  readonly hydrated: string[];
  /**
   * `, "version"` and `, 1`: TypeORM inserts every row at version 1, so the column need not default
   * to it; empty when the entity declares `@VersionColumn({ default: 1 })` (the package's base
   * classes), whose column default writes the same 1.
   */
  private readonly insertVersion: { column: string; value: string };
  /** Prefix of statement names: the table (schema-qualified when the entity names a schema). */
  private readonly name: string;
  private readonly cache = new Map<string, Statement>();
  private readonly lists = new Map<string, Statement>();

  constructor(
    private readonly metadata: EntityMetadata,
    private readonly columns: Map<string, ColumnInfo>,
    private readonly arrayTypes: Map<string, string>,
    readonly audit?: AuditSpec,
    /** Whether the server has `RETURNING OLD` (PostgreSQL 18+): audited updates then read the old row in their one scan. */
    private readonly hasReturningOld: () => boolean = () => false,
  ) {
    const name = (this.name = metadata.tablePath);
    const sqlOf = (c?: { databaseName: string }) => (c ? quoteIdentifier(c.databaseName) : undefined);
    this.table = quoteTable(metadata);
    this.id = sqlOf(metadata.primaryColumns[0])!;
    this.idProperty = quoteIdentifier(metadata.primaryColumns[0].propertyName);
    this.deletedAt = sqlOf(metadata.deleteDateColumn);
    this.version = sqlOf(metadata.versionColumn);
    this.updatedAt = sqlOf(metadata.updateDateColumn);
    const all = [...columns.values()];
    const read = all.filter((c) => c.select && !c.relationOnly);
    const list = (of: ColumnInfo[]) => of.map((c) => `${c.sql} AS ${quoteIdentifier(c.property)}`).join(', ');
    this.properties = all.map((c) => c.property);
    this.hydrated = read.map((c) => c.property);
    this.selectList = list(read);
    this.returningList = list(all);
    const writesVersion = metadata.versionColumn !== undefined && metadata.versionColumn.default !== 1;
    this.insertVersion = writesVersion ? { column: `, ${this.version}`, value: ', 1' } : { column: '', value: '' };
    const live = this.deletedAt ? ` AND ${this.deletedAt} IS NULL` : '';
    const select = `SELECT ${this.selectList} FROM ${this.table} WHERE ${this.id} = $1`;
    this.findById = { name: `${name}:findById`, text: select + live };
    this.findByIdWithDeleted = { name: `${name}:findByIdWithDeleted`, text: select };
    this.hardDelete = { name: `${name}:delete`, text: this.deleteSql() };
    if (this.deletedAt) {
      const parts = {
        table: this.table,
        id: this.id,
        deletedAt: this.deletedAt,
        bumps: (alias?: string) => this.bumps(alias),
        selectList: this.selectList,
        deletedAtProperty: metadata.deleteDateColumn!.propertyName,
        cascades: softCascades(metadata),
        audit,
      };
      this.softDelete = { name: `${name}:softDelete`, text: softDeleteSql(parts) };
      this.restore = { name: `${name}:restore`, text: restoreSql(parts) };
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

  private cached(key: string, build: () => string): Statement {
    let statement = this.cache.get(key);
    if (!statement) {
      statement = { name: statementName(this.name, key), text: build() };
      this.cache.set(key, statement);
    }
    return statement;
  }

  /** Wraps a `… RETURNING <selectList>` write so it also writes one audit row per returned row. */
  private audited(
    write: string,
    params: number,
    action: string,
    oldJson: string,
    newJson: string,
    result = this.properties.map((c) => quoteIdentifier(c)).join(', '),
  ): string {
    if (!this.audit) return write;
    const p = params + 1;
    const audit = auditCte(this.audit, 'audit', p, `$${p}`, action, 'w', `w.${this.idProperty}`, oldJson, newJson);
    return `WITH w AS (${write})${audit} SELECT ${result} FROM w`;
  }

  private deleteSql(): string {
    const write = `DELETE FROM ${this.table} WHERE ${this.id} = $1 RETURNING ${this.audit ? this.returningList : `${this.id} AS ${this.idProperty}`}`;
    return this.audited(write, 1, `'delete'`, this.audit ? rowJson('w', this.audit) : '', 'NULL');
  }

  /** `INSERT (given columns[, version]) VALUES (…[, 1]) RETURNING *`. */
  insert(properties: string[]): Statement {
    return this.cached(`insert(${properties})`, () => {
      const cols = properties.map((p) => this.columns.get(p)!.sql);
      const params = properties.map((_, i) => `$${i + 1}`);
      const { column, value } = this.insertVersion;
      const write = `INSERT INTO ${this.table} (${cols.join(', ')}${column}) VALUES (${params.join(', ')}${value}) RETURNING ${this.returningList}`;
      return this.audited(write, properties.length, `'create'`, 'NULL', this.audit ? rowJson('w', this.audit) : '');
    });
  }

  /**
   * One INSERT for a whole batch: each column is one array parameter, spread by `unnest`. With
   * `returning: false` it answers one row, `count`, instead of the inserted rows.
   */
  insertMany(properties: string[], returning = true): Statement {
    return this.cached(`insertMany(${properties})${returning ? '' : 'n'}`, () => {
      const cols = properties.map((p) => this.columns.get(p)!.sql);
      const arrays = properties.map((p, i) => `$${i + 1}::${this.arrayTypes.get(p)}`);
      const { column, value } = this.insertVersion;
      const insert = `INSERT INTO ${this.table} (${cols.join(', ')}${column}) SELECT *${value} FROM unnest(${arrays.join(', ')})`;
      const count = `count(*)::int AS "count"`;
      if (!this.audit)
        return returning
          ? `${insert} RETURNING ${this.returningList}`
          : `WITH w AS (${insert} RETURNING 1) SELECT ${count} FROM w`;
      const write = `${insert} RETURNING ${this.returningList}`;
      return this.audited(
        write,
        properties.length,
        `'create'`,
        'NULL',
        rowJson('w', this.audit),
        returning ? undefined : count,
      );
    });
  }

  /**
   * `COPY table (given columns[, version]) FROM STDIN`, text format: a batch that is not read back,
   * unaudited. Its rows end with the fields of {@link copyConstants}.
   */
  copy(properties: string[]): string {
    const cols = properties.map((p) => this.columns.get(p)!.sql);
    return `COPY ${this.table} (${cols.join(', ')}${this.insertVersion.column}) FROM STDIN`;
  }

  /** Fields every COPY row ends with: the version, 1, when the statement writes it (see {@link insertVersion}). */
  get copyConstants(): string[] {
    return this.insertVersion.column ? ['1'] : [];
  }

  /** `UPDATE … SET given columns WHERE id = $1 [AND version = $n] RETURNING *`, live rows only. */
  update(properties: string[], checkVersion: boolean): Statement {
    // The two audited forms differ in text, so they differ in (prepared statement) name too.
    const returningOld = this.audit !== undefined && this.hasReturningOld();
    const form = this.audit && !returningOld ? ':lock' : '';
    return this.cached(`update(${properties})${checkVersion ? 'v' : ''}${form}`, () => {
      const sets = properties.map((p, i) => `${this.columns.get(p)!.sql} = $${i + 2}`);
      const live = this.deletedAt ? ` AND ${this.deletedAt} IS NULL` : '';
      const version = checkVersion ? ` AND ${this.version} = $${properties.length + 2}` : '';
      const where = `WHERE ${this.id} = $1${live}${version}`;
      // Nothing to set (an empty patch of an entity without version or update date): a no-op write that still finds the row.
      if (!sets.length && !this.bumps().length) sets.push(`${this.id} = ${this.id}`);
      const write = `UPDATE ${this.table} SET ${[...sets, ...this.bumps()].join(', ')} ${where} RETURNING ${this.returningList}`;
      if (!this.audit) return write;
      const p = properties.length + 2 + (checkVersion ? 1 : 0);
      const column = (alias: string) => (property: string) => `${alias}.${quoteIdentifier(property)}`;
      const columns = this.properties.map(column('w')).join(', ');
      if (returningOld) {
        // PostgreSQL 18+: the UPDATE returns the values it replaced, read in its one scan, from the
        // very row version it changed (after any wait for a concurrent writer).
        const olds = properties.map((p, i) => `o.${this.columns.get(p)!.sql} AS "__old${i}"`);
        const update = `UPDATE ${this.table} SET ${[...sets, ...this.bumps()].join(', ')} ${where}
          RETURNING WITH (OLD AS o) ${[this.returningList, ...olds].join(', ')}`;
        const before = (property: string) => `w."__old${properties.indexOf(property)}"`;
        const changes = [
          changedJson(properties, this.audit, before, column('w')),
          changedJson(properties, this.audit, column('w'), before),
        ] as const;
        const audit = auditCte(this.audit, 'audit', p, `$${p}`, `'update'`, 'w', `w.${this.idProperty}`, ...changes);
        return `WITH w AS (${update})${audit} SELECT ${columns} FROM w`;
      }
      // Before 18: the row before the change, locked first (the UPDATE reads from it, so it runs after).
      const old = `old AS (SELECT ${this.returningList} FROM ${this.table} ${where} FOR UPDATE), `;
      const qualified = this.returningList.replace(/(^|, )"/g, '$1u."');
      const update = `UPDATE ${this.table} AS u SET ${[...sets, ...this.bumps('u')].join(', ')}
        FROM old WHERE u.${this.id} = old.${this.idProperty} RETURNING ${qualified}`;
      const source = `w JOIN old ON old.${this.idProperty} = w.${this.idProperty}`;
      const changes = [
        changedJson(properties, this.audit, column('old'), column('w')),
        changedJson(properties, this.audit, column('w'), column('old')),
      ] as const;
      const audit = auditCte(this.audit, 'audit', p, `$${p}`, `'update'`, source, `w.${this.idProperty}`, ...changes);
      return `WITH ${old}w AS (${update})${audit} SELECT ${columns} FROM w`;
    });
  }

  /** `INSERT … ON CONFLICT (keys) [WHERE live] DO UPDATE SET … RETURNING *`. */
  upsert(properties: string[], conflict: string[], conflictWhere: string | undefined): Statement {
    return this.cached(`upsert(${properties};${conflict})`, () => {
      const { column, value } = this.insertVersion;
      const cols = [...properties.map((p) => this.columns.get(p)!.sql), ...(column ? [this.version!] : [])];
      const params = [...properties.map((_, i) => `$${i + 1}`), ...(value ? ['1'] : [])];
      const updates = properties
        .filter((p) => !conflict.includes(p))
        .map((p) => `${this.columns.get(p)!.sql} = EXCLUDED.${this.columns.get(p)!.sql}`);
      const target = `(${conflict.map((p) => this.columns.get(p)!.sql).join(', ')})${conflictWhere ? ` WHERE ${conflictWhere}` : ''}`;
      const sets = [...updates, ...this.bumps(this.table)];
      const action = sets.length ? `DO UPDATE SET ${sets.join(', ')}` : 'DO NOTHING';
      const inserted = this.audit ? ', (xmax = 0) AS "__inserted"' : '';
      const write = `INSERT INTO ${this.table} (${cols.join(', ')}) VALUES (${params.join(', ')}) ON CONFLICT ${target} ${action} RETURNING ${this.returningList}${inserted}`;
      if (!this.audit) return write;
      const kind = `CASE WHEN w."__inserted" THEN 'create' ELSE 'update' END`;
      return this.audited(
        write,
        properties.length,
        kind,
        'NULL',
        rowJson('w', this.audit).replace('to_jsonb(w)', `(to_jsonb(w) - '__inserted')`),
      );
    });
  }

  /**
   * A list query (or its count) as a named prepared statement, `table:list#<hash of the text>`, for
   * the first {@link MAX_PREPARED_LISTS} distinct texts of this entity; undefined after that (run
   * unnamed, parsed and planned every time). The text depends on the filters and sort a client asks
   * for, and a prepared statement lives as long as its connection: the bound keeps what a client can
   * make each connection hold small, and the common pages, met first, skip parse and plan.
   */
  listStatement(kind: 'list' | 'count', text: string): Statement | undefined {
    let statement = this.lists.get(text);
    if (statement || this.lists.size >= MAX_PREPARED_LISTS) return statement;
    const hash = createHash('sha1').update(text).digest('hex').slice(0, 16);
    statement = { name: `${this.name.slice(0, 30)}:${kind}#${hash}`, text };
    this.lists.set(text, statement);
    return statement;
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

/** Distinct list-query texts (counts included) prepared per entity; see `EntitySql.listStatement`. */
export const MAX_PREPARED_LISTS = 64;

/** PostgreSQL truncates identifiers, prepared statement names included, to 63 bytes. */
const MAX_NAME_BYTES = 63;

/**
 * @internal `table:key` when it fits in 63 bytes; else `table:operation#hash` of the whole key, so
 * two long keys never share a truncated name (which PostgreSQL would refuse as a duplicate).
 */
export function statementName(table: string, key: string): string {
  const plain = `${table}:${key}`;
  if (Buffer.byteLength(plain) <= MAX_NAME_BYTES) return plain;
  const hash = createHash('sha1').update(plain).digest('hex').slice(0, 16);
  const operation = key.split('(')[0];
  return `${table.slice(0, 30)}:${operation.slice(0, 14)}#${hash}`;
}
