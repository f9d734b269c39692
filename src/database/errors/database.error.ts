/** Base of the data layer's typed errors. Messages are safe to show: no SQL, no values. */
export abstract class DatabaseError extends Error {
  /** Entity (or table) the error is about, when known. */
  readonly entity?: string;
  /** Property names the error is about, when known. */
  readonly fields: readonly string[];

  protected constructor(
    message: string,
    options: { entity?: string; fields?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.entity = options.entity;
    this.fields = options.fields ?? [];
  }
}
