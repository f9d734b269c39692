import { Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { buildDatabaseModuleOptions, DatabaseModule } from 'nest-pg-database';
import { DatabaseHealthModule } from 'nest-pg-database/health';
import { BooksModule } from './books/books.module.js';
import { ENTITIES, MIGRATIONS } from './database.js';

@Module({
  imports: [
    DatabaseModule.forRootAsync({
      useFactory: () => ({ ...buildDatabaseModuleOptions(process.env), entities: ENTITIES, migrations: MIGRATIONS }),
    }),
    DatabaseHealthModule,
    BooksModule,
  ],
  providers: [{ provide: APP_PIPE, useValue: new ValidationPipe({ whitelist: true, transform: true }) }],
})
export class AppModule {}
