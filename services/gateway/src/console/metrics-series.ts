/**
 * Per-function time series for the console's charts (issue #22), from the gateway's own
 * prom-client registry — so they work in both modes without Prometheus. Samples the cumulative
 * counters (invocations, errors, throttles), the concurrency gauge and the duration histogram's
 * buckets; a series point is the difference of two samples (p50/p99 interpolated in the bucket
 * differences, as Prometheus' histogram_quantile does).
 *
 * Invariants: sampling runs from `start()` (the gateway's start: five metric reads every
 * `intervalMs`), or from the first read when nobody started it; the last `keep` samples are
 * kept; every read adds a point ending now, so calls just made show at once; a counter that went down (a restart) counts from zero. The numbers are
 * this gateway process's: with several replicas each answers for the calls it served.
 */
import type { Registry } from 'prom-client';

export const SERIES_METRICS = {
  invocations: 'lamina_invocations_total',
  errors: 'lamina_function_errors_total',
  throttles: 'lamina_throttles_total',
  concurrency: 'lamina_concurrent_executions',
  duration: 'lamina_invocation_duration_seconds',
} as const;

interface FnSample {
  invocations: number;
  errors: number;
  throttles: number;
  concurrency: number;
  /** Cumulative bucket counts by upper bound (seconds), `+Inf` included. */
  buckets: Map<number, number>;
}

interface Sample {
  readonly time: number;
  readonly fns: ReadonlyMap<string, FnSample>;
}

export interface SeriesPoint {
  /** End of the interval, epoch ms. */
  readonly time: number;
  readonly invocations: number;
  readonly errors: number;
  readonly throttles: number;
  /** In progress at the end of the interval. */
  readonly concurrency: number;
  /** Milliseconds; absent when the interval had no invocation. */
  readonly p50?: number;
  readonly p99?: number;
}

type MetricValues = readonly {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly metricName?: string;
}[];

const empty = (): FnSample => ({
  invocations: 0,
  errors: 0,
  throttles: 0,
  concurrency: 0,
  buckets: new Map(),
});

/** The quantile `q` (0..1) of bucket counts, linear within the bucket, in the bucket's unit. */
export function quantileOf(q: number, buckets: ReadonlyMap<number, number>): number | undefined {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1] ?? 0) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const upper of bounds) {
    const count = buckets.get(upper) ?? 0;
    if (count >= rank) {
      if (upper === Infinity) return lower;
      const inBucket = count - below;
      return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
    }
    lower = upper;
    below = count;
  }
  return lower;
}

export interface MetricsSeriesOptions {
  readonly registry: Pick<Registry, 'getSingleMetric'>;
  readonly now?: () => number;
  readonly intervalMs?: number;
  readonly keep?: number;
}

export class MetricsSeries {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly keep: number;

  constructor(private readonly o: MetricsSeriesOptions) {
    this.now = o.now ?? Date.now;
    this.intervalMs = o.intervalMs ?? 10_000;
    this.keep = o.keep ?? 90;
  }

  /** The function's points, oldest first (one per sampling interval, the last ending now). */
  async series(functionName: string): Promise<SeriesPoint[]> {
    await this.start();
    const current = await this.take();
    const all = [...this.samples, current];
    const points: SeriesPoint[] = [];
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1]?.fns.get(functionName) ?? empty();
      const b = all[i]?.fns.get(functionName) ?? empty();
      points.push(pointOf(all[i]?.time ?? 0, a, b));
    }
    return points;
  }

  /** Takes the first sample and starts the timer; idempotent. */
  async start(): Promise<void> {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
    await this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    this.samples.push(await this.take());
    if (this.samples.length > this.keep) this.samples.splice(0, this.samples.length - this.keep);
  }

  private async take(): Promise<Sample> {
    const time = this.now();
    const fns = new Map<string, FnSample>();
    const of = (labels: Readonly<Record<string, unknown>>): FnSample | undefined => {
      const fn = labels['function'];
      if (typeof fn !== 'string') return undefined;
      let s = fns.get(fn);
      if (s === undefined) fns.set(fn, (s = empty()));
      return s;
    };
    for (const key of ['invocations', 'errors', 'throttles', 'concurrency'] as const) {
      for (const v of await this.values(SERIES_METRICS[key])) {
        const s = of(v.labels);
        if (s !== undefined) s[key] += v.value;
      }
    }
    for (const v of await this.values(SERIES_METRICS.duration)) {
      if (v.metricName?.endsWith('_bucket') !== true) continue;
      const s = of(v.labels);
      const le = v.labels['le'];
      if (s === undefined || le === undefined) continue;
      const bound = le === '+Inf' ? Infinity : Number(le);
      s.buckets.set(bound, (s.buckets.get(bound) ?? 0) + v.value);
    }
    return { time, fns };
  }

  private async values(name: string): Promise<MetricValues> {
    const metric = this.o.registry.getSingleMetric(name);
    if (metric === undefined) return [];
    return (await metric.get()).values;
  }
}

function pointOf(time: number, a: FnSample, b: FnSample): SeriesPoint {
  const delta = (x: number, y: number): number => (y >= x ? y - x : y);
  const buckets = new Map<number, number>();
  for (const [bound, count] of b.buckets)
    buckets.set(bound, delta(a.buckets.get(bound) ?? 0, count));
  const p50 = quantileOf(0.5, buckets);
  const p99 = quantileOf(0.99, buckets);
  return {
    time,
    invocations: delta(a.invocations, b.invocations),
    errors: delta(a.errors, b.errors),
    throttles: delta(a.throttles, b.throttles),
    concurrency: b.concurrency,
    ...(p50 === undefined ? {} : { p50: p50 * 1000 }),
    ...(p99 === undefined ? {} : { p99: p99 * 1000 }),
  };
}
