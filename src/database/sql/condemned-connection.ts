import type { QueryRunner } from 'typeorm';
import { isConnectionLoss } from '../transactions/transaction-retry';

type PostgresRunner = QueryRunner & { releasePostgresConnection?: (error?: unknown) => Promise<void> };

/**
 * @internal Makes `runner`'s connection leave the pool when one of its statements failed in a way
 * that condemns it: lost (a FATAL 57P01 arrives before the socket closes), or to a server that
 * takes no writes (25006: a standby, a demoted primary in a failover). TypeORM releases the runners
 * of repositories and `DataSource.manager` without the error, so pg-pool would keep such a client
 * and hand it to the next caller.
 */
export function dropConnectionOnFailure(runner: QueryRunner): QueryRunner {
  const postgres = runner as PostgresRunner;
  if (!postgres.releasePostgresConnection) return runner;
  let condemned: unknown;
  const query = runner.query.bind(runner);
  const release = runner.release.bind(runner);
  runner.query = async (...args: Parameters<QueryRunner['query']>) => {
    try {
      return await query(...args);
    } catch (error) {
      if (isConnectionLoss(error)) condemned = error;
      throw error;
    }
  };
  runner.release = () => (condemned ? postgres.releasePostgresConnection!(condemned) : release());
  return runner;
}
