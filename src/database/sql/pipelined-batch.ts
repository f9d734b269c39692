import { Query } from 'pg';
import type { QueryConfig } from 'pg';
// pg's own value mapper (JavaScript arrays, dates, buffers to wire text), as its Query binds with it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };

/** One statement of a {@link PipelinedBatch}: prepared under `name` (undefined: the unnamed statement). */
export interface BatchStatement {
  name?: string;
  text: string;
  values: unknown[];
}

/** Told about each statement of a {@link PipelinedBatch}: as it is written, and as its answers end. */
export interface BatchEvents {
  written(statement: BatchStatement): void;
  completed(statement: { name?: string; text: string }): void;
}

/** The parts of pg's Connection the batch writes to (pg 8, `lib/connection.js`). */
interface WireConnection {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  stream: { cork?(): void; uncork?(): void; writableLength?: number; once(event: 'drain', listener: () => void): void };
  parse(config: { text: string; name?: string; types?: unknown }): void;
  bind(config: { statement?: string; values: unknown[] }): void;
  describe(config: { type: 'P'; name: string }): void;
  execute(config: { portal?: string; rows?: number }): void;
  sync(): void;
}

/** pg's Query as this subclass uses it (its JavaScript fields are not in `@types/pg`). */
interface PgQueryInternals {
  name?: string;
  text: string;
  types?: unknown;
  callback?: unknown;
  _result: { addFields(fields: unknown): void; addCommandComplete(msg: unknown): void; rowCount: number | null };
  _accumulateRows: unknown;
  handleError(error: unknown, connection: unknown): void;
}

const PgQuery = Query as unknown as new (config: QueryConfig) => PgQueryInternals;

/** Bytes the socket may hold unsent before the next statement waits for it to drain. */
const MAX_BUFFERED = 4 << 20;

/** A statement no connection prepares: binding it fails, which rolls the pipeline back. */
const NO_SUCH_STATEMENT = 'nest_pg_database:abort';

/**
 * @internal Several statements as one extended-protocol pipeline with ONE Sync: PostgreSQL runs
 * them in order, all in one implicit transaction (or in the open one), and an error skips the rest
 * up to the Sync, so a batch writes everything or nothing. The statements are made one at a time
 * by `next` and written as the connection takes them (yielding to the event loop between them), so
 * the server runs one while the next is built and serialised: one round trip, and the client's work
 * overlaps the server's. Every statement must answer the same columns: their rows make one result,
 * `rowCount` their sum.
 *
 * A statement `next` cannot make (it throws) is not sent: a Bind of a statement that does not exist
 * takes its place, which fails on the server and so rolls back what the batch wrote; {@link aborted}
 * then holds the caller's error, which is the batch's failure. As in pg's own Query, `name` and
 * `text` are those of the statement whose answers are due (pg's client records a ParseComplete
 * under them).
 */
export class PipelinedBatch extends PgQuery {
  /** The caller's error when `next` threw (the server's answer to the failing Bind is not the failure). */
  aborted: { error: unknown } | undefined;
  private connection: WireConnection | undefined;
  /** Statements written, in order; their answers come in that order. */
  private readonly written: Array<{ name?: string; text: string }> = [];
  /** Index in `written` of the statement whose answers are due. */
  private due = 0;
  /** Names this batch submitted for parsing (an error skips the Parses after it). */
  private readonly submitted: string[] = [];
  private described = false;
  /** Whether anything was written (then the Sync is owed). */
  private opened = false;
  private synced = false;
  private failed = false;

  constructor(
    private first: BatchStatement | undefined,
    private readonly next: () => BatchStatement | undefined,
    types: QueryConfig['types'],
    private readonly events?: BatchEvents,
  ) {
    super({ text: first!.text, name: first!.name, types, queryMode: 'extended' } as QueryConfig);
  }

  submit(connection: WireConnection): Error | null {
    this.connection = connection;
    const first = this.first!;
    this.first = undefined;
    const refused = this.refusal(first);
    if (refused) return refused; // nothing written: pg reports it
    try {
      this.write(first);
    } catch (error) {
      if (!this.opened) return error as Error; // nothing written: pg reports it
      this.abort(error);
      return null;
    }
    setImmediate(this.pump);
    return null;
  }

  /** pg's check of a prepared statement's name: one name, one text, per connection. */
  private refusal(statement: BatchStatement): Error | undefined {
    const wire = this.connection!;
    const name = statement.name;
    const previous = name ? (wire.parsedStatements[name] ?? wire.submittedNamedStatements[name]) : undefined;
    if (previous !== undefined && previous !== statement.text) {
      return new Error(`Prepared statements must be unique - '${name}' was used for a different statement`);
    }
    return undefined;
  }

  /** Writes the next statement once the socket has room, or the Sync after the last one. */
  private readonly pump = (): void => {
    if (this.failed || this.synced) return;
    const wire = this.connection!;
    if ((wire.stream.writableLength ?? 0) > MAX_BUFFERED) return wire.stream.once('drain', this.pump);
    let statement: BatchStatement | undefined;
    try {
      statement = this.next();
      if (!statement) return this.sync();
      const refused = this.refusal(statement);
      if (refused) throw refused;
      this.write(statement);
    } catch (error) {
      return this.abort(error);
    }
    setImmediate(this.pump);
  };

  /** Parse (once per named statement on the connection), Bind, Describe (the first time), Execute. */
  private write(statement: BatchStatement): void {
    const wire = this.connection!;
    const { name, text } = statement;
    // A value pg cannot serialise throws here, before anything of this statement is written.
    const values = statement.values.map(prepareValue);
    this.opened = true;
    wire.stream.cork?.();
    try {
      if (!name || !(name in wire.parsedStatements || name in wire.submittedNamedStatements)) {
        wire.parse({ text, name, types: this.types });
        if (name) {
          wire.submittedNamedStatements[name] = text;
          this.submitted.push(name);
        }
      }
      wire.bind({ statement: name, values });
      if (this.written.length === 0) wire.describe({ type: 'P', name: '' });
      wire.execute({});
    } finally {
      wire.stream.uncork?.();
    }
    this.written.push({ name, text });
    this.standIn();
    this.events?.written(statement);
  }

  /** The statement whose answers were due when the batch failed (the first, when none was written). */
  failing(): { name?: string; text: string } {
    return this.written[Math.min(this.due, this.written.length - 1)] ?? { name: this.name, text: this.text };
  }

  /** `next` threw: what was written is rolled back by a Bind that fails, then the Sync. */
  private abort(error: unknown): void {
    this.aborted = { error };
    this.opened = true;
    this.connection!.bind({ statement: NO_SUCH_STATEMENT, values: [] });
    this.sync();
  }

  private sync(): void {
    this.synced = true;
    this.connection!.sync();
  }

  /** Name and text of the statement whose answers are due (the last written while it is not). */
  private standIn(): void {
    const statement = this.written[Math.min(this.due, this.written.length - 1)];
    this.name = statement.name;
    this.text = statement.text;
  }

  handleRowDescription(msg: { fields: unknown }): void {
    if (this.described) return;
    this.described = true;
    this._result.addFields(msg.fields);
    this._accumulateRows = true;
  }

  handleCommandComplete(msg: unknown): void {
    const before = this._result.rowCount ?? 0;
    this._result.addCommandComplete(msg);
    this._result.rowCount = before + (this._result.rowCount ?? 0);
    this.events?.completed(this.written[this.due]);
    this.due++;
    this.standIn();
  }

  override handleError(error: unknown, connection: unknown): void {
    if (this.opened && !this.failed) {
      this.failed = true;
      // The server skipped every Parse after the error: those statements are not prepared.
      const wire = this.connection!;
      for (const name of this.submitted)
        if (!(name in wire.parsedStatements)) delete wire.submittedNamedStatements[name];
      // Nothing more is written; the Sync ends the (rolled back) pipeline, and the connection is ready again.
      if (!this.synced) this.sync();
    }
    super.handleError(error, connection);
  }
}
