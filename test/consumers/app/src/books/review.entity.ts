import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Book } from './book.entity.js';

/** A review of a book: a plain TypeORM entity with an identity key, used through TypeORM's repository. */
@Entity({ name: 'reviews' })
export class Review {
  @PrimaryGeneratedColumn('identity')
  id!: number;

  @ManyToOne(() => Book, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'book_id', foreignKeyConstraintName: 'reviews_book_id_fkey' })
  book?: Book;

  @Column({ name: 'book_id', type: 'uuid' })
  bookId!: string;

  @Column({ type: 'smallint' })
  stars!: number;
}
