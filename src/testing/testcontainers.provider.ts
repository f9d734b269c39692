import { createRequire } from 'node:module';
import { DOCKER_PROBE_TIMEOUT_MS } from './testing.constants';
import { loadOptionalPeer } from './optional-peer';
import { ProvidedPostgres } from './provided-postgres';

type PostgresModule = typeof import('@testcontainers/postgresql');
type TestcontainersModule = typeof import('testcontainers');

/** `testcontainers` as `@testcontainers/postgresql` sees it (strict package managers do not hoist it). */
async function loadTestcontainers(): Promise<TestcontainersModule | undefined> {
  const direct = await loadOptionalPeer<TestcontainersModule>('testcontainers');
  if (direct) return direct;
  try {
    return createRequire(require.resolve('@testcontainers/postgresql'))('testcontainers') as TestcontainersModule;
  } catch {
    return undefined;
  }
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const testcontainers = await loadTestcontainers();
    if (!testcontainers) return false;
    const probe = testcontainers.getContainerRuntimeClient().then(() => true);
    const timeout = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), DOCKER_PROBE_TIMEOUT_MS).unref(),
    );
    return await Promise.race([probe, timeout]);
  } catch {
    return false;
  }
}

/** @internal Why Testcontainers could not provide the server. */
export type TestcontainersUnavailable = 'not installed' | 'no Docker engine';

/** @internal A PostgreSQL container from `@testcontainers/postgresql`, or why there is none. */
export async function fromTestcontainers(
  image: string,
  settings: Record<string, string>,
): Promise<ProvidedPostgres | TestcontainersUnavailable> {
  const peer = await loadOptionalPeer<PostgresModule>('@testcontainers/postgresql');
  if (!peer) return 'not installed';
  if (!(await dockerAnswers())) return 'no Docker engine';
  const flags = Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const container = await new peer.PostgreSqlContainer(image).withCommand(['postgres', ...flags]).start();
  return {
    kind: `testcontainers (${image})`,
    adminUrl: container.getConnectionUri(),
    stop: async () => void (await container.stop()),
  };
}
