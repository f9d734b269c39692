import { Module } from '@nestjs/common';
import { DatabaseModule } from 'nest-pg-database';
import { Book } from './book.entity.js';
import { BooksController } from './books.controller.js';
import { BooksService } from './books.service.js';
import { Review } from './review.entity.js';

@Module({
  imports: [DatabaseModule.forFeature([Book, Review])],
  controllers: [BooksController],
  providers: [BooksService],
})
export class BooksModule {}
