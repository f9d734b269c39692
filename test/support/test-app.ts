import { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { setupOpenApi } from '../../src/openapi';
import { createTestDatabase, TestDatabase } from './test-database';

/** A started application on its own database. */
export interface StartedTestApp {
  app: INestApplication;
  db: TestDatabase;
  dataSource: DataSource;
  /** Base URL of the app's HTTP server. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Fluent builder of an application under test: `createTestApp().withDatabase().start()`.
 * Each start gets a fresh migrated database copied from the run's template.
 */
export function createTestApp() {
  let env: NodeJS.ProcessEnv = {};
  let extra: ModuleMetadata['imports'] = [];
  let db: TestDatabase | undefined;
  const builder = {
    /** Uses a fresh migrated database (the default). */
    withDatabase(existing?: TestDatabase) {
      db = existing;
      return builder;
    },
    /** Adds environment variables for the app's configuration. */
    withEnv(values: NodeJS.ProcessEnv) {
      env = { ...env, ...values };
      return builder;
    },
    /** Adds modules next to `AppModule`. */
    withImports(...imports: NonNullable<ModuleMetadata['imports']>) {
      extra = [...(extra ?? []), ...imports];
      return builder;
    },
    async start(): Promise<StartedTestApp> {
      const database = db ?? (await createTestDatabase());
      const moduleRef = await Test.createTestingModule({
        imports: [AppModule.register({ ...database.env, ...env }), ...(extra ?? [])],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: process.env.TEST_LOG ? ['error', 'warn', 'log'] : false });
      app.enableShutdownHooks();
      setupOpenApi(app);
      await app.listen(0, '127.0.0.1');
      const address = app.getHttpServer().address();
      return {
        app,
        db: database,
        dataSource: app.get(DataSource),
        baseUrl: `http://127.0.0.1:${address.port}`,
        close: async () => {
          await app.close();
          if (!db) await database.drop();
        },
      };
    },
  };
  return builder;
}
