import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startDevelopmentDatabase } from 'nest-pg-database';
import { AppModule } from './app.module.js';

async function bootstrap(): Promise<void> {
  // Without DATABASE_URL outside production: an embedded PostgreSQL, migrated at startup.
  const embedded = await startDevelopmentDatabase();
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: !embedded });
  embedded?.onBeforeStop(() => app.close());
  await app.listen(Number(process.env.PORT ?? 3000));
  const address = app.getHttpServer().address() as { port: number };
  new Logger('Bootstrap').log(`listening on http://localhost:${address.port}`);
}

void bootstrap();
