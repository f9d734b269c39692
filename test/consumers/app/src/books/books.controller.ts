import { Body, Controller, Get, Param, ParseIntPipe, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Page } from 'nest-pg-database';
import { Book } from './book.entity.js';
import { BooksService } from './books.service.js';
import { CreateBookDto } from './create-book.dto.js';
import { Review } from './review.entity.js';

/** `/books`: create, list (the package's list grammar), read, review, and an import that rolls back. */
@Controller('books')
export class BooksController {
  constructor(private readonly books: BooksService) {}

  @Post()
  create(@Body() body: CreateBookDto): Promise<Book> {
    return this.books.create(body);
  }

  @Get()
  list(@Query() query: Record<string, unknown>): Promise<Page<Book>> {
    return this.books.list(query);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<Book> {
    return this.books.get(id);
  }

  @Post(':id/reviews')
  review(@Param('id', ParseUUIDPipe) id: string, @Body('stars', ParseIntPipe) stars: number): Promise<Review> {
    return this.books.review(id, stars);
  }

  @Get(':id/reviews/count')
  async reviewCount(@Param('id', ParseUUIDPipe) id: string): Promise<{ count: number }> {
    return { count: await this.books.reviewCount(id) };
  }

  @Post('import')
  importThenFail(@Body() body: CreateBookDto & { stars: number }): Promise<never> {
    const { stars, ...book } = body;
    return this.books.importThenFail(book, stars);
  }
}
