import type { Metric, Registry } from 'prom-client';

/** The labels of one series of {@link StatementHistogram}. */
export interface StatementSeriesLabels {
  operation: string;
  entity: string;
  outcome: 'ok' | 'error';
}

/** @internal One label set's figures: observations per bucket (not cumulative; the last is `+Inf`), sum, count. */
export interface StatementSeries {
  readonly labels: StatementSeriesLabels;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A sample as prom-client's registry formats it: its own labels (`le`), then the series' labels. */
interface Sample {
  labels: Record<string, string | number>;
  sharedLabels: StatementSeriesLabels;
  value: number;
  metricName: string;
  /** `null` on buckets, as prom-client's histograms without exemplars. */
  exemplar?: null;
}

/**
 * @internal `db_query_duration_seconds`: a Prometheus histogram by operation, entity and outcome,
 * registered on prom-client's registry and exported in the same form as prom-client's `Histogram`
 * (cumulative `_bucket` samples with `le`, then `+Inf`, `_sum`, `_count` per label set), but
 * observed through a series the caller keeps: a few array writes per statement. prom-client's
 * `observe` hashes the labels and looks buckets up by a float-valued key on every call (~0.9 µs,
 * against ~0.03 µs here), on the path of every statement the application runs.
 */
export class StatementHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Series by `operation`, `entity`, `outcome` joined with NUL (label values never hold one that matters). */
  private readonly series = new Map<string, StatementSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds in seconds, ascending (`le`). */
    private readonly upperBounds: readonly number[],
    registers: Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of a label set, made on first use; keep it and pass it to {@link observe}. */
  seriesOf(labels: StatementSeriesLabels): StatementSeries {
    const key = `${labels.operation}\0${labels.entity}\0${labels.outcome}`;
    let series = this.series.get(key);
    if (!series) {
      series = { labels: { ...labels }, counts: new Float64Array(this.upperBounds.length + 1), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  /** Records one duration, in seconds, as prom-client would: in the first bucket whose bound is at least it. */
  observe(series: StatementSeries, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]) bucket++;
    series.counts[bucket]++;
    series.sum += seconds;
    series.count++;
  }

  /**
   * The samples now, as prom-client's `Histogram` gives them to the registry's text format (the
   * same lines in the same order); label sets never observed (or not since a reset) are absent.
   */
  async getForPromString() {
    const values: Sample[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.series.values()) {
      if (count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += counts[i];
        values.push({
          labels: { le: this.upperBounds[i] },
          sharedLabels: labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      }
      values.push({
        labels: { le: '+Inf' },
        sharedLabels: labels,
        value: count,
        metricName: bucketName,
        exemplar: null,
      });
      values.push({ labels: {}, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The samples with each one's labels in one object (`registry.getMetricsAsJSON()`), as prom-client's `Histogram.get`. */
  async get() {
    const data = await this.getForPromString();
    const values = data.values.map(({ labels, sharedLabels, ...sample }) => ({
      ...sample,
      labels: { ...labels, ...sharedLabels },
    }));
    return { ...data, values };
  }

  /** Forgets every observation (prom-client's `registry.resetMetrics()`); series kept by callers stay valid. */
  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
