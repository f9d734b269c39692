import { DatabaseConfigError } from '../../src/database';

/** Runs `fn` and returns the DatabaseConfigError it throws (fails the test otherwise). */
export function configError(fn: () => unknown): DatabaseConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseConfigError);
    return error as DatabaseConfigError;
  }
  throw new Error('expected a DatabaseConfigError, but nothing was thrown');
}
