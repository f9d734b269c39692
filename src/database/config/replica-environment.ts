import type { ConfigProblem } from '../errors/database-config.error';
import { parseConnectionUrl } from './connection-url';
import { productionPolicyProblems } from './production-policy';
import type { TlsEnvironment } from './tls-environment';
import { tlsProblems } from './tls-settings';

/** Most replicas `DB_READ_REPLICA_URLS` may list. */
export const MAX_READ_REPLICAS = 16;

/** @internal The URLs of `DB_READ_REPLICA_URLS`, trimmed, empty entries dropped. */
export function replicaUrlsOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
}

/** @internal Whether `value` lists 1 to {@link MAX_READ_REPLICAS} parseable URLs (the list's own rule). */
export function isReplicaUrlList(value: string): boolean {
  const urls = replicaUrlsOf(value);
  return (
    urls.length > 0 && urls.length <= MAX_READ_REPLICAS && urls.every((url) => parseConnectionUrl(url) !== undefined)
  );
}

/**
 * The primary's TLS and production rules applied to each replica's URL (`DB_SSL`, `DB_SSL_CA` and
 * `NODE_ENV` are shared): an unknown or weak `sslmode`, one contradicting `DB_SSL`, unsupported TLS
 * parameters, no TLS to a host off this machine in production. Each problem names
 * `DB_READ_REPLICA_URLS` and the replica's place in the list, never its URL or host.
 */
export function replicaUrlProblems(
  env: TlsEnvironment & { DB_READ_REPLICA_URLS?: string },
  invalid: ReadonlySet<string>,
): ConfigProblem[] {
  if (env.DB_READ_REPLICA_URLS === undefined || invalid.has('DB_READ_REPLICA_URLS')) return [];
  const problems: ConfigProblem[] = [];
  replicaUrlsOf(env.DB_READ_REPLICA_URLS).forEach((url, i) => {
    const replica: TlsEnvironment = {
      NODE_ENV: env.NODE_ENV,
      DB_SSL: env.DB_SSL,
      DB_SSL_CA: env.DB_SSL_CA,
      DATABASE_URL: url,
    };
    const found = [...tlsProblems(replica, invalid), ...productionPolicyProblems(replica, invalid)];
    for (const problem of found) {
      // DB_SSL_CA's own rule is the primary's problem, reported once.
      if (problem.variable === 'DB_SSL_CA') continue;
      const expected = problem.expected.replaceAll('DATABASE_URL', 'its URL');
      problems.push({ variable: 'DB_READ_REPLICA_URLS', expected: `replica ${i + 1}: ${expected}` });
    }
  });
  return problems;
}
