import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { InjectRepositoryService, listQueryFromHttp, Page, RepositoryService, Transactional } from 'nest-pg-database';
import { Repository } from 'typeorm';
import { Book } from './book.entity.js';
import { CreateBookDto } from './create-book.dto.js';
import { Review } from './review.entity.js';

/** Books through the package's RepositoryService, reviews through TypeORM's own repository. */
@Injectable()
export class BooksService {
  constructor(
    @InjectRepositoryService(Book) private readonly books: RepositoryService<Book>,
    @InjectRepository(Review) private readonly reviews: Repository<Review>,
  ) {}

  create(input: CreateBookDto): Promise<Book> {
    return this.books.create(input);
  }

  list(query: Record<string, unknown>): Promise<Page<Book>> {
    return this.books.paginate(listQueryFromHttp(query), { path: '/books' });
  }

  get(id: string): Promise<Book> {
    return this.books.findByIdOrFail(id);
  }

  async review(bookId: string, stars: number): Promise<Review> {
    await this.books.findByIdOrFail(bookId);
    return this.reviews.save(this.reviews.create({ bookId, stars }));
  }

  reviewCount(bookId: string): Promise<number> {
    return this.reviews.countBy({ bookId });
  }

  /** Writes a book and its first review in one transaction, then fails: neither row stays. */
  @Transactional()
  async importThenFail(input: CreateBookDto, stars: number): Promise<never> {
    const book = await this.books.create(input);
    await this.reviews.save(this.reviews.create({ bookId: book.id, stars }));
    throw new UnprocessableEntityException(`import of ${book.isbn} aborted after its writes`);
  }
}
