import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { appDataSourceOptions } from './app.data-source';
import { AppModule } from './app.module';
import { DatabaseConfigError, describeStartupFailure, startDevelopmentDatabase } from './database';
import { setupOpenApi } from './openapi';

/** Default `PORT` of the HTTP server. */
export const DEFAULT_HTTP_PORT = 3000;
const logger = new Logger('Bootstrap');

/** Log levels: `LOG_LEVEL=debug` adds TypeORM's detail lines. */
function logLevels(env: NodeJS.ProcessEnv): LogLevel[] {
  const levels: LogLevel[] = ['fatal', 'error', 'warn', 'log'];
  return env.LOG_LEVEL === 'debug' ? [...levels, 'debug', 'verbose'] : levels;
}

function httpPort(env: NodeJS.ProcessEnv): number {
  const raw = env.PORT?.trim();
  if (!raw) return DEFAULT_HTTP_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw DatabaseConfigError.invalid('PORT', `must be an integer from 0 to 65535 (got ${JSON.stringify(raw)})`);
  }
  return port;
}

async function bootstrap(): Promise<void> {
  const env = process.env;
  Logger.overrideLogger(logLevels(env));
  const port = httpPort(env);
  const embedded = await startDevelopmentDatabase({ env }); // only without DATABASE_URL/DB_HOST, outside production
  appDataSourceOptions(env); // fail on bad configuration before Nest starts, with a readable message
  const app = await NestFactory.create(AppModule.register(env), { abortOnError: false, logger: logLevels(env) });
  // SIGTERM/SIGINT: readiness 503, drain, close the pool, exit 0. With the embedded server, its
  // library's exit hook ends the process once the server has stopped after the app.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: !embedded });
  setupOpenApi(app);
  let closing: Promise<void> | undefined;
  embedded?.onBeforeStop(() => (closing ??= app.close()));
  await app.listen(port);
  const { port: actual } = app.getHttpServer().address();
  logger.log(`listening on http://localhost:${actual} (GET /health)`);
}

bootstrap().catch((error: unknown) => {
  logger.error(
    error instanceof DatabaseConfigError ? error.message : `startup failed: ${describeStartupFailure(error)}`,
  );
  process.exit(1);
});
