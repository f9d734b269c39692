import { randomBytes } from 'node:crypto';
import { TESTING_ENV } from '../../src/testing';

// The suite's database helpers are the package's own `nest-pg-database/testing` (dogfood).
export { createTestDatabase } from '../../src/testing';
export type { TestDatabase } from '../../src/testing';
export { withAdminClient } from '../../src/testing/admin-client';

/** Environment variables the global setup hands to the test files. */
export const HARNESS_ENV = TESTING_ENV;

const CANARY_PREFIX = 'canary-';

/** A random password marked as a canary: the embedded server's, so that `expectError` can check no answer shows it. */
export function newCanaryPassword(): string {
  return `${CANARY_PREFIX}${randomBytes(6).toString('hex')}`;
}

/**
 * The run's database password when it is a canary (`canary-…`, the embedded server's), else
 * undefined (a `TEST_DATABASE_URL` password may be a common word that answers legitimately contain).
 */
export function harnessCanaryPassword(): string | undefined {
  const url = process.env[HARNESS_ENV.adminUrl];
  const password = url ? decodeURIComponent(new URL(url).password) : '';
  return password.startsWith(CANARY_PREFIX) ? password : undefined;
}
