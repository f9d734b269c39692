import { Book } from './books/book.entity.js';
import { Review } from './books/review.entity.js';
import { CreateLibrary1767225600000 } from './migrations/1767225600000-create-library.js';

/** The app's entities, for the module, the CLI's data source and the test template. */
export const ENTITIES = [Book, Review];

/** The app's migrations, in order. */
export const MIGRATIONS = [CreateLibrary1767225600000];
