import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { appDataSourceOptions } from './app.data-source';
import { AppModule } from './app.module';
import {
  DatabaseConfigError,
  describeStartupFailure,
  EmbeddedPostgresLauncher,
  startDevelopmentDatabase,
} from './database';
import { setupOpenApi } from './openapi';

/** Default `PORT` of the HTTP server. */
export const DEFAULT_HTTP_PORT = 3000;
const logger = new Logger('Bootstrap');
/** The embedded development server, once started: stopped before exiting on a startup error. */
let embedded: EmbeddedPostgresLauncher | undefined;

/** Nest's log levels, most severe first. */
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** `LOG_LEVEL` (default `log`) and the levels above it; `debug` adds TypeORM's detail lines. */
function logLevels(env: NodeJS.ProcessEnv): LogLevel[] {
  const raw = env.LOG_LEVEL?.trim();
  const index = LOG_LEVELS.indexOf((raw || 'log').toLowerCase() as LogLevel);
  if (index < 0) {
    throw DatabaseConfigError.invalid(
      'LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(raw)})`,
    );
  }
  return LOG_LEVELS.slice(0, index + 1);
}

function httpPort(env: NodeJS.ProcessEnv): number {
  const raw = env.PORT?.trim();
  if (!raw) return DEFAULT_HTTP_PORT;
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw DatabaseConfigError.invalid('PORT', `must be an integer from 0 to 65535 (got ${JSON.stringify(raw)})`);
  }
  return port;
}

async function bootstrap(): Promise<void> {
  const env = process.env;
  const levels = logLevels(env);
  Logger.overrideLogger(levels);
  const port = httpPort(env);
  embedded = await startDevelopmentDatabase({ env }); // only without DATABASE_URL/DB_HOST, outside production
  appDataSourceOptions(env); // fail on bad configuration before Nest starts, with a readable message
  const creating = NestFactory.create(AppModule.register(env), { abortOnError: false, logger: levels });
  // SIGTERM/SIGINT: readiness 503, drain, close the pool, exit 0. With the embedded server, the
  // launcher handles them too (from now on, startup included): it waits for the app to close,
  // stops the server, logs it, then exits 0.
  embedded?.onBeforeStop(async () => (await creating.catch(() => undefined))?.close());
  const app = await creating;
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: !embedded });
  setupOpenApi(app);
  await app.listen(port);
  const { port: actual } = app.getHttpServer().address();
  logger.log(`listening on http://localhost:${actual} (GET /health)`);
}

bootstrap().catch(async (error: unknown) => {
  logger.error(
    error instanceof DatabaseConfigError ? error.message : `startup failed: ${describeStartupFailure(error)}`,
  );
  await embedded?.stop(); // the app (if created) first, then the server: nothing is left running
  process.exit(1);
});
