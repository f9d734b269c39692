import { Module } from '@nestjs/common';
import { DatabaseModule } from 'nest-pg-database';
import { Book } from './book.entity';
import { BooksController } from './books.controller';
import { BooksService } from './books.service';
import { Review } from './review.entity';

@Module({
  imports: [DatabaseModule.forFeature([Book, Review])],
  controllers: [BooksController],
  providers: [BooksService],
})
export class BooksModule {}
