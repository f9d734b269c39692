import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { EQUALITY_OPERATORS, Queryable, RANGE_OPERATORS, TEXT_OPERATORS } from 'nest-pg-database';

/** A book: the app's own entity, on none of the package's base classes (uuid key, renamed columns). */
@Entity({ name: 'books' })
@Unique('books_isbn_key', ['isbn'])
export class Book {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Queryable({ sortable: true, filter: EQUALITY_OPERATORS })
  @Column({ type: 'varchar', length: 20 })
  isbn!: string;

  @Queryable({ sortable: true, filter: TEXT_OPERATORS })
  @Column({ name: 'title_text', type: 'varchar', length: 200 })
  title!: string;

  @Queryable({ sortable: true, filter: RANGE_OPERATORS })
  @Column({ type: 'integer' })
  pages!: number;

  @Queryable({ filter: EQUALITY_OPERATORS })
  @Column({ type: 'varchar', length: 20 })
  shelf!: string;

  @VersionColumn()
  version!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
