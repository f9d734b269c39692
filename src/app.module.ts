import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { appDatabaseModuleOptions } from './app.data-source';
import { AuditModule } from './audit/audit.module';
import { DatabaseModule } from './database';
import { DatabaseHealthModule } from './health';
import { HTTP_PROVIDERS } from './http/http.providers';
import { JsonBodyMiddleware } from './http/json-body.middleware';
import { RequestContextMiddleware } from './http/request-context.middleware';
import { NotesModule } from './notes/notes.module';
import { TasksModule } from './tasks/tasks.module';
import { UsersModule } from './users/users.module';

/**
 * The example application: the database module, health, the `/users`, `/tasks`, `/notes` (tenant-scoped) and audit API,
 * the request context (actor, request id), JSON-only bodies (415 otherwise), the HTTP parser's
 * errors in the error body, and the global validation pipe and exception filter (so `main.ts` and
 * the tests get the same app).
 */
@Module({})
export class AppModule implements NestModule {
  /** The application configured from `env` (`process.env` in `main.ts`, a per-test copy in tests). */
  static register(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRootAsync({ useFactory: () => appDatabaseModuleOptions(env) }),
        DatabaseHealthModule,
        UsersModule,
        TasksModule,
        AuditModule,
        NotesModule,
      ],
      providers: HTTP_PROVIDERS,
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // The request context first, so that a refused body's answer carries the request id too.
    consumer.apply(RequestContextMiddleware, JsonBodyMiddleware).forRoutes('*path');
  }
}
