import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getRepositoryServiceToken, RepositoryService } from 'nest-pg-database';
import { createTestDatabase, TestDatabase } from 'nest-pg-database/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { Book } from '../src/books/book.entity.js';

describe('books, on a database of this test file', () => {
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, db.env);
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('creates a book over HTTP and reads its row back from the database', async () => {
    const created = await request(app.getHttpServer())
      .post('/books')
      .send({ isbn: '9780000000017', title: 'Spec', pages: 12, shelf: 'test' })
      .expect(201);

    const rows = await app
      .get(DataSource)
      .query('SELECT isbn, title_text, version FROM books WHERE id = $1', [created.body.id]);
    expect(rows).toEqual([{ isbn: '9780000000017', title_text: 'Spec', version: 1 }]);
    const books = app.get<RepositoryService<Book>>(getRepositoryServiceToken(Book));
    expect((await books.findByIdOrFail(created.body.id)).title).toBe('Spec');
    expect(db.name).toMatch(/^test_/);
  });
});
