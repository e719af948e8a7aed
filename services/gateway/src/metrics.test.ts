import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { bindMetrics } from './function-entries.js';
import { createMetrics } from './metrics.js';

describe('invoke metrics kept in cells', () => {
  it('hands counted invocations to the counter on each scrape, once', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry);
    const m = bindMetrics(metrics, 'fn', '$LATEST');
    m.invocations.inc();
    m.invocations.inc();
    // A rebinding (the record changed) counts into the same series.
    bindMetrics(metrics, 'fn', '$LATEST').invocations.inc();
    const first = await metrics.invocations.get();
    expect(first.values).toEqual([
      { value: 3, labels: { function: 'fn', version: '$LATEST', resource: 'fn' } },
    ]);
    m.invocations.inc();
    expect((await metrics.invocations.get()).values[0]?.value).toBe(4);
    expect((await metrics.invocations.get()).values[0]?.value).toBe(4);
    expect(await registry.metrics()).toContain(
      'lamina_invocations_total{function="fn",version="$LATEST",resource="fn"} 4',
    );
  });

  it('reads the in-flight level of every series that moved, none of those that did not', async () => {
    const metrics = createMetrics(new Registry());
    const a = bindMetrics(metrics, 'a', '1', 'a:live');
    bindMetrics(metrics, 'b', '$LATEST');
    a.concurrentExecutions.inc();
    a.concurrentExecutions.inc();
    expect((await metrics.concurrentExecutions.get()).values).toEqual([
      { value: 2, labels: { function: 'a', version: '1', resource: 'a:live' } },
    ]);
    a.concurrentExecutions.dec();
    a.concurrentExecutions.dec();
    expect((await metrics.concurrentExecutions.get()).values).toEqual([
      { value: 0, labels: { function: 'a', version: '1', resource: 'a:live' } },
    ]);
  });
});
