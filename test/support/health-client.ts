import { performance } from 'node:perf_hooks';

/** One answer of a health endpoint, and how long it took. */
export interface HealthAnswer {
  status: number;
  body: any;
  /** Milliseconds from sending the request to reading the whole body. */
  ms: number;
}

/** GETs `path` (default `/health`) from `baseUrl`; rejects if no answer comes within `timeoutMs`. */
export async function getHealth(baseUrl: string, path = '/health', timeoutMs = 10_000): Promise<HealthAnswer> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON (e.g. /metrics): keep the text
  }
  return { status: res.status, body, ms: performance.now() - started };
}

/**
 * Calls `probe` every `intervalMs` until `done` accepts its value; rejects with the last value
 * after `timeoutMs`. For waiting on state changes, not for asserting how fast they happen.
 */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}; last error: ${String(lastError)}`,
  );
}
