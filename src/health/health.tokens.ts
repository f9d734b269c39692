/** @internal Receives the duration of each health check (the metrics module's `DatabaseMetrics`, when prom-client is there). */
export interface HealthCheckObserver {
  observeHealthCheck(check: string, status: string, durationMs: number): void;
}

/** @internal Token of the optional {@link HealthCheckObserver}. */
export const HEALTH_CHECK_OBSERVER = Symbol('HEALTH_CHECK_OBSERVER');

/**
 * Token of the Prometheus registry that holds the database's metrics (a prom-client `Registry`):
 * inject it to add the application's own metrics to `GET /metrics`. Present only with prom-client.
 */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
