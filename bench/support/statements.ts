import { Client } from 'pg';

let count = 0;

/** Counts every statement any pg Client sends (pools, TypeORM, Drizzle, Kysely, COPY alike). */
export function installStatementCounter(): void {
  const original = Client.prototype.query as (...args: unknown[]) => unknown;
  (Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (
    this: Client,
    ...args: unknown[]
  ) {
    count++;
    return original.apply(this, args);
  };
}

/** Statements sent so far. */
export function statementsSent(): number {
  return count;
}
