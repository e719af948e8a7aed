import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { MetricsSeries, quantileOf, SERIES_METRICS } from './metrics-series.js';

describe('metrics series for the console', () => {
  it('interpolates quantiles inside buckets', () => {
    const buckets = new Map([
      [0.01, 0],
      [0.1, 10],
      [1, 20],
      [Infinity, 20],
    ]);
    expect(quantileOf(0.5, buckets)).toBeCloseTo(0.1);
    expect(quantileOf(0.25, buckets)).toBeCloseTo(0.055);
    expect(quantileOf(0.75, buckets)).toBeCloseTo(0.55);
    expect(quantileOf(0.5, new Map([[Infinity, 0]]))).toBeUndefined();
  });

  it("turns the registry's counters into per-interval points, the last ending now", async () => {
    const registry = new Registry();
    const labelNames = ['function', 'version'];
    const registers = [registry];
    const inv = new Counter({ name: SERIES_METRICS.invocations, help: 'x', labelNames, registers });
    const err = new Counter({ name: SERIES_METRICS.errors, help: 'x', labelNames, registers });
    new Counter({ name: SERIES_METRICS.throttles, help: 'x', labelNames, registers });
    const conc = new Gauge({ name: SERIES_METRICS.concurrency, help: 'x', labelNames, registers });
    const dur = new Histogram({
      name: SERIES_METRICS.duration,
      help: 'x',
      labelNames,
      buckets: [0.01, 0.1, 1],
      registers,
    });
    let now = 1000;
    const series = new MetricsSeries({ registry, now: () => now, intervalMs: 3_600_000 });
    inv.inc({ function: 'f', version: '$LATEST' }, 2); // before the first sample: not in a point
    await series.start();
    now = 2000;
    inv.inc({ function: 'f', version: '$LATEST' }, 3);
    inv.inc({ function: 'f', version: '1' }, 1);
    inv.inc({ function: 'g', version: '1' }, 7);
    err.inc({ function: 'f', version: '1' });
    conc.set({ function: 'f', version: '1' }, 2);
    for (const s of [0.05, 0.05, 0.5]) dur.observe({ function: 'f', version: '1' }, s);
    const points = await series.series('f');
    series.stop();
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({
      time: 2000,
      invocations: 4,
      errors: 1,
      throttles: 0,
      concurrency: 2,
    });
    expect(points[0]?.p50).toBeCloseTo((((0.1 - 0.01) * 1.5) / 2) * 1000 + 10, 5);
    expect(await new MetricsSeries({ registry: new Registry() }).series('f')).toEqual([
      expect.objectContaining({ invocations: 0, concurrency: 0 }),
    ]);
  });
});
