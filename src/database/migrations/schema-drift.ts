import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

/** TypeORM's schema builder as `log()` uses it: it reads the schema through `dataSource.createQueryRunner()`. */
interface LoggingSchemaBuilder {
  dataSource: DataSource;
  log(): Promise<{ upQueries: Array<{ query: string }> }>;
}

/**
 * @internal The SQL that would make the schema seen by `runner` match the entities (TypeORM's
 * schema builder `log()`, which changes nothing), read on `runner` itself: inside its open
 * transaction, a schema changed by statements not committed yet is the one compared.
 */
export async function schemaDrift(dataSource: DataSource, runner: QueryRunner): Promise<string[]> {
  const builder = dataSource.driver.createSchemaBuilder() as unknown as LoggingSchemaBuilder;
  // log() takes a query runner from its DataSource and releases it: hand it this one, kept open.
  builder.dataSource = Object.create(dataSource, { createQueryRunner: { value: () => runner } }) as DataSource;
  const shared = runner as QueryRunner & { release: QueryRunner['release'] };
  shared.release = async () => undefined;
  try {
    return (await builder.log()).upQueries.map((q) => q.query);
  } finally {
    delete (shared as Partial<QueryRunner>).release; // the prototype's again
  }
}

/** @internal A pending migration to try: its name and its instance. */
export interface TrialMigration {
  name: string;
  instance: MigrationInterface;
}

/** @internal Why trying the pending migrations failed, naming the migration when one failed. */
export class MigrationTrialError extends Error {
  override readonly name = 'MigrationTrialError';
}

/**
 * @internal Applies `pending` in one transaction on `runner`, reads what `inspect` finds in the
 * schema they leave, and rolls everything back: PostgreSQL's DDL is transactional, so nothing is
 * committed. A migration cannot end the transaction: its own `commitTransaction()` at the outer
 * level throws, and a raw `COMMIT` is detected (the transaction id changes) and reported.
 * The caller holds the migration lock; the migrations' statements take their usual locks until
 * the rollback, bounded by the session's `lock_timeout` and `statement_timeout`.
 */
export async function tryPendingMigrations<T>(
  runner: QueryRunner,
  pending: TrialMigration[],
  inspect: () => Promise<T>,
): Promise<T> {
  const state = runner as QueryRunner & { transactionDepth: number; commitTransaction: () => Promise<void> };
  const commit = state.commitTransaction.bind(runner);
  await runner.startTransaction();
  state.commitTransaction = async () => {
    if (state.transactionDepth > 1) return commit(); // a migration's own nested transaction: a savepoint
    throw new MigrationTrialError('a migration tried to commit the transaction the check rolls back');
  };
  try {
    const [{ xid }] = await runner.query(`SELECT txid_current()::text AS xid`);
    for (const m of pending) {
      try {
        await m.instance.up(runner);
      } catch (error) {
        throw new MigrationTrialError(`${m.name} failed: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
        });
      }
      const [{ now }] = await runner.query(`SELECT txid_current_if_assigned()::text AS now`);
      if (now !== xid) {
        throw new MigrationTrialError(
          `${m.name} ended the transaction (COMMIT): what it ran before that stays applied`,
        );
      }
    }
    return await inspect();
  } finally {
    delete (state as Partial<typeof state>).commitTransaction;
    if (runner.isTransactionActive) await runner.rollbackTransaction();
  }
}
