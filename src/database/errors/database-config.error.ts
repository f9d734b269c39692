/** One configuration variable that failed validation. */
export interface ConfigProblem {
  /** The environment variable, e.g. `DB_POOL_MAX`. */
  variable: string;
  /** What it accepts, in words. */
  expected: string;
}

/**
 * Bad database configuration, found at startup. The message names every offending variable and
 * what it accepts, and never contains a value that might be a secret.
 */
export class DatabaseConfigError extends Error {
  override readonly name = 'DatabaseConfigError';

  constructor(readonly problems: ConfigProblem[]) {
    super(`Invalid database configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.expected}`).join('\n')}`);
  }

  /** A single problem with one variable. */
  static invalid(variable: string, expected: string): DatabaseConfigError {
    return new DatabaseConfigError([{ variable, expected }]);
  }
}
