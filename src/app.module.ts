import { DynamicModule, Module } from '@nestjs/common';
import { appDatabaseModuleOptions } from './app.data-source';
import { DatabaseModule } from './database';
import { HealthModule } from './health/health.module';

/** The example application: the database module, its entities, and health. */
@Module({})
export class AppModule {
  /** The application configured from `env` (`process.env` in `main.ts`, a per-test copy in tests). */
  static register(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [DatabaseModule.forRootAsync({ useFactory: () => appDatabaseModuleOptions(env) }), HealthModule],
    };
  }
}
