import { Query } from 'pg';
import type { QueryConfig } from 'pg';

/** A statement written ahead of another in the same pipeline; its answers are not the query's. */
export interface PrecedingStatement {
  text: string;
  /** Bound as text (no conversion: strings only). */
  values?: string[];
  /** Prepared once per connection under this name; undefined: the unnamed statement, parsed each time. */
  name?: string;
}

/** The parts of pg's Connection the pipeline writes to (pg 8, `lib/connection.js`). */
interface WireConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  stream: { cork?(): void; uncork?(): void };
  parse(config: { text: string; name?: string; types?: unknown[] }): void;
  bind(config: { statement?: string; values: unknown[] }): void;
  execute(config: { portal?: string; rows?: number }): void;
  sync(): void;
}

/** pg's Query as this subclass uses it (its JavaScript fields are not in `@types/pg`). */
interface PgQueryInternals {
  name?: string;
  text: string;
  values?: unknown[];
  queryMode?: string;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: unknown): void;
  handleError(error: unknown, connection: unknown): void;
  handleReadyForQuery(connection: unknown): void;
  prepare(connection: WireConnection): void;
}

const PgQuery = Query as unknown as new (config: QueryConfig) => PgQueryInternals;

/**
 * @internal pg's Query (its result, rows, errors and callback unchanged) with `preceding`
 * statements written before it in the same extended-protocol pipeline, with ONE Sync after all: one
 * network write, one round trip. PostgreSQL runs them in order; an error skips the rest up to the
 * Sync. Without a `BEGIN` among them, everything before the Sync is one implicit transaction (a
 * transaction-local `set_config` holds for the statement and ends with it); with one, the
 * transaction stays open after the Sync (and stays aborted when a statement failed). pg 8 has no
 * API for this; it runs custom query objects (pg-cursor does), so the preceding statements'
 * messages are written first and their answers (data rows, command-completes) swallowed.
 *
 * While a preceding statement's answers are due, `name` and `text` are that statement's: pg's
 * client records `activeQuery.name` as parsed on every ParseComplete, and must not record the
 * query's own before its own Parse succeeded.
 */
export class PipelinedQuery extends PgQuery {
  /** Index in `preceding` of the statement whose answers are due; `preceding.length` once the query's own are. */
  private due = 0;
  /** The query's own name and text, while a preceding statement's stand in. */
  private statement: { name?: string; text: string } | undefined;
  /** Names this pipeline submitted for parsing (an error skips their Parse). */
  private readonly submitted: string[] = [];
  /** Refused before writing its own messages (pg's checks), reported once the preceding ones are answered. */
  private rejected: Error | undefined;
  /** Its own messages were refused while being written (a value pg cannot serialise). */
  private refusedWhileWritten = false;

  constructor(
    config: QueryConfig,
    private readonly preceding: readonly PrecedingStatement[],
  ) {
    // `config` as it is (it may inherit from a statement's template: pg reads through the prototype
    // chain); a copy would walk every property, and inheriting from it would make a fresh object a
    // prototype (which V8 reshapes). pg keeps `queryMode` on the query: set it there.
    super(config);
    this.queryMode = 'extended';
  }

  submit(connection: WireConnection): Error | null {
    this.rejected = this.check(connection);
    if (this.rejected && this.preceding.length === 0) return this.rejected; // nothing written: pg reports it
    connection.stream.cork?.();
    try {
      for (const statement of this.preceding) {
        const name = statement.name;
        if (!name || !(name in connection.parsedStatements || name in connection.submittedNamedStatements)) {
          connection.parse({ text: statement.text, name });
          if (name) {
            connection.submittedNamedStatements[name] = statement.text;
            this.submitted.push(name);
          }
        }
        connection.bind({ statement: name, values: statement.values ?? [] });
        connection.execute({});
      }
      if (this.rejected) {
        // The preceding statements still run (a BEGIN must reach the server before what follows it).
        connection.sync();
      } else {
        const name = this.name;
        const fresh = name !== undefined && !(name in connection.parsedStatements);
        // Parse (unless prepared before), Bind, Describe, Execute and the one Sync.
        this.prepare(connection);
        if (fresh && name in connection.submittedNamedStatements) this.submitted.push(name);
      }
      this.statement ??= { name: this.name, text: this.text };
      this.standIn();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  /** pg's own checks of a query before anything is written. */
  private check(connection: WireConnection): Error | undefined {
    if (typeof this.text !== 'string') return new Error('A pipelined query needs its text');
    const previous = this.name
      ? (connection.parsedStatements[this.name] ?? connection.submittedNamedStatements[this.name])
      : undefined;
    if (previous !== undefined && previous !== this.text) {
      return new Error(`Prepared statements must be unique - '${this.name}' was used for a different statement`);
    }
    if (this.values && !Array.isArray(this.values)) return new Error('Query values must be an array');
    return undefined;
  }

  /** Name and text of the statement whose answers are due next (none recorded for own messages refused). */
  private standIn(): void {
    const next = this.preceding[this.due];
    if (next) {
      this.name = next.name;
      this.text = next.text;
    } else {
      this.name = this.refusedWhileWritten || this.rejected ? undefined : this.statement!.name;
      this.text = this.statement!.text;
    }
  }

  override handleDataRow(msg: unknown): void {
    if (this.due >= this.preceding.length) super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: unknown): void {
    if (this.due >= this.preceding.length) return super.handleCommandComplete(msg, connection);
    this.due++;
    this.standIn();
  }

  override handleError(error: unknown, connection: unknown): void {
    if (!this.statement) {
      // Refused while being written (pg sent Close and Sync): the answers still due are the
      // preceding statements' and the Close's; the query's own statement is not prepared.
      this.statement = { name: this.name, text: this.text };
      this.refusedWhileWritten = true;
      if (this.name) delete (connection as WireConnection).submittedNamedStatements[this.name];
      this.standIn();
    } else if (this.due < this.preceding.length) {
      // A preceding statement failed: the server skipped every later Parse of this pipeline.
      const wire = connection as WireConnection;
      for (const name of this.submitted)
        if (!(name in wire.parsedStatements)) delete wire.submittedNamedStatements[name];
      this.due = this.preceding.length;
      this.rejected = undefined;
      this.name = this.statement.name;
      this.text = this.statement.text;
    }
    super.handleError(error, connection);
  }

  override handleReadyForQuery(connection: unknown): void {
    const rejected = this.rejected;
    if (!rejected) return super.handleReadyForQuery(connection);
    this.rejected = undefined;
    super.handleError(rejected, connection);
  }
}
