import { performance } from 'node:perf_hooks';
import { withAdminClient } from './test-database';

/** What one write of the load got back. */
export interface WriteOutcome {
  /** The client-generated key, sent as the task's title. */
  key: string;
  /** HTTP status, or 0 when no response came (the error's code in `error`). */
  status: number;
  ms: number;
  /** `performance.now()` when the request was sent and when its outcome came. */
  startedAt: number;
  endedAt: number;
  error?: string;
  /** The `Retry-After` header of a non-2xx answer. */
  retryAfter?: string | null;
  /** The response body of a non-2xx answer. */
  body?: unknown;
}

/** A write load running against the HTTP API. */
export interface WriteLoad {
  /** Outcomes so far (the array grows while the load runs). */
  readonly outcomes: WriteOutcome[];
  /** Stops sending and resolves with every outcome once the writes under way have answered. */
  stop(): Promise<WriteOutcome[]>;
}

export interface WriteLoadOptions {
  /** Concurrent clients, each sending one write after another. Default 50. */
  clients?: number;
  /** Prefix of the keys, unique per run. */
  prefix: string;
  /** Client-side bound on one request; it should never be reached. Default 60 s. */
  requestTimeoutMs?: number;
  /** A client stops after a response without a status (the server went away). Default false. */
  stopOnConnectionError?: boolean;
}

/**
 * `clients` concurrent clients each POST /tasks one after another with a fresh client-generated
 * key as its title (a Jepsen-style set: every acknowledged key must be in the table exactly once).
 */
export function startWriteLoad(baseUrl: string, options: WriteLoadOptions): WriteLoad {
  const outcomes: WriteOutcome[] = [];
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  let running = true;
  const client = async (id: number) => {
    for (let n = 0; running; n++) {
      const key = `${options.prefix}-${id}-${n}`;
      const started = performance.now();
      try {
        const res = await fetch(`${baseUrl}/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-actor': `load-${id}` },
          body: JSON.stringify({ title: key }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        const ok = res.status >= 200 && res.status < 300;
        const endedAt = performance.now();
        outcomes.push({
          key,
          status: res.status,
          ms: endedAt - started,
          startedAt: started,
          endedAt,
          ...(ok ? {} : { body: parse(text), retryAfter: res.headers.get('retry-after') }),
        });
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        const endedAt = performance.now();
        outcomes.push({ key, status: 0, ms: endedAt - started, startedAt: started, endedAt, error: code });
        if (options.stopOnConnectionError) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const clients = Array.from({ length: options.clients ?? 50 }, (_, id) => client(id));
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(clients);
      return outcomes;
    },
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The set check: acknowledged keys missing from the table, and keys stored more than once. */
export interface SetCheck {
  acknowledged: number;
  stored: number;
  lost: string[];
  duplicated: string[];
  /** Keys stored although their request got no 2xx (unknown outcome: allowed). */
  storedUnacknowledged: number;
}

/** Reads every task whose title starts with `prefix` and compares it with the outcomes. */
export async function checkWrites(databaseUrl: string, prefix: string, outcomes: WriteOutcome[]): Promise<SetCheck> {
  const rows = await withAdminClient(
    databaseUrl,
    async (c) =>
      (
        await c.query<{ title: string; n: number }>(
          'SELECT title, count(*)::int AS n FROM tasks WHERE starts_with(title, $1) GROUP BY title',
          [`${prefix}-`],
        )
      ).rows,
  );
  const stored = new Map(rows.map((r) => [r.title, r.n]));
  const acknowledged = outcomes.filter((o) => o.status >= 200 && o.status < 300).map((o) => o.key);
  const acked = new Set(acknowledged);
  return {
    acknowledged: acknowledged.length,
    stored: stored.size,
    lost: acknowledged.filter((k) => !stored.has(k)),
    duplicated: [...stored].filter(([, n]) => n > 1).map(([k]) => k),
    storedUnacknowledged: [...stored.keys()].filter((k) => !acked.has(k)).length,
  };
}

/** Counts of outcomes by status (0: no response, with its error code). */
export function statusCounts(outcomes: WriteOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const label = o.status === 0 ? `no response (${o.error})` : String(o.status);
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** The slowest outcome's duration. */
export const slowest = (outcomes: WriteOutcome[]) => Math.max(0, ...outcomes.map((o) => o.ms));

/** Terminates every backend whose application_name starts with `applicationName`; resolves with how many. */
export async function terminateBackends(databaseUrl: string, applicationName: string): Promise<number> {
  return withAdminClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE starts_with(application_name, $1) AND datname = current_database() AND pid <> pg_backend_pid()`,
      [applicationName],
    );
    return rows[0].n;
  });
}

/** A load's figures for the report: requests, statuses, slowest, and the set check's counts. */
export function loadFigures(outcomes: WriteOutcome[], check: SetCheck): Record<string, unknown> {
  return {
    requests: outcomes.length,
    statuses: statusCounts(outcomes),
    slowestMs: Math.round(slowest(outcomes)),
    ...check,
    lost: check.lost.length,
    duplicated: check.duplicated.length,
  };
}
