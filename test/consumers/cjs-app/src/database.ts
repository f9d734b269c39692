import { Book } from './books/book.entity';
import { Review } from './books/review.entity';
import { CreateLibrary1767225600000 } from './migrations/1767225600000-create-library';

/** The app's entities, for the module, the CLI's data source and the test template. */
export const ENTITIES = [Book, Review];

/** The app's migrations, in order. */
export const MIGRATIONS = [CreateLibrary1767225600000];
