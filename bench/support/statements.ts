import { dirname } from 'node:path';
import { Client } from 'pg';

let count = 0;

/** Packages that may bring their own copy of `pg` (MikroORM pins one): their clients are counted too. */
const BRINGS_OWN_PG = ['@mikro-orm/postgresql'];

function countQueries(prototype: { query: (...args: unknown[]) => unknown }): void {
  const original = prototype.query;
  prototype.query = function (this: unknown, ...args: unknown[]) {
    count++;
    return original.apply(this, args);
  };
}

/** Counts every statement any pg Client sends (pools, TypeORM, Drizzle, Kysely, MikroORM, COPY alike). */
export function installStatementCounter(): void {
  const prototypes = new Set<object>([Client.prototype]);
  for (const name of BRINGS_OWN_PG) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pg = require(require.resolve('pg', { paths: [dirname(require.resolve(name))] })) as { Client: Function };
      prototypes.add(pg.Client.prototype);
    } catch {
      // not installed: nothing more to count
    }
  }
  for (const prototype of prototypes) countQueries(prototype as { query: (...args: unknown[]) => unknown });
}

/** Statements sent so far. */
export function statementsSent(): number {
  return count;
}
