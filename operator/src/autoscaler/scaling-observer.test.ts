import { NO_DEMAND } from '@lamina/core';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { createAutoscalerMetrics } from './autoscaler-metrics.js';
import { ScalingObserver } from './scaling-observer.js';

const hello = { namespace: 'ns', function: 'hello', version: '$LATEST' };
const sel = 'namespace="ns",function="hello",version="$LATEST"';

function setup() {
  const registry = new Registry();
  const observer = new ScalingObserver(createAutoscalerMetrics(registry));
  return { registry, observer, text: () => registry.metrics() };
}

describe('ScalingObserver', () => {
  it('shows environments by state and demand by signal per version', async () => {
    const s = setup();
    s.observer.observe(
      hello,
      { desired: 5, ready: 3, starting: 2, counts: { ...NO_DEMAND, inFlight: 2, asyncDepth: 4 } },
      0,
    );
    const text = await s.text();
    expect(text).toContain(`lamina_autoscaler_environments{${sel},state="starting"} 2`);
    expect(text).toContain(`lamina_autoscaler_environments{${sel},state="busy"} 2`);
    expect(text).toContain(`lamina_autoscaler_environments{${sel},state="idle"} 1`);
    expect(text).toContain(`lamina_autoscaler_demand{${sel},signal="asyncDepth"} 4`);
    expect(text).toContain(`lamina_autoscaler_demand{${sel},signal="waiting"} 0`);
    s.observer.forget(hello);
    expect(await s.text()).not.toContain('function="hello",version');
  });

  it('times each asked-for environment until it turns ready, first asked first', async () => {
    const s = setup();
    const view = (desired: number, ready: number) => ({
      desired,
      ready,
      starting: desired - ready,
      counts: NO_DEMAND,
    });
    s.observer.observe(hello, view(0, 0), 0);
    s.observer.started(hello, 2, 1000);
    s.observer.observe(hello, view(2, 1), 3000); // 2 s for the first
    s.observer.started(hello, 1, 3000);
    s.observer.observe(hello, view(3, 3), 8000); // 7 s and 5 s
    const text = await s.text();
    expect(text).toContain(
      'lamina_autoscaler_environment_start_seconds_count{namespace="ns",function="hello"} 3',
    );
    expect(text).toContain(
      'lamina_autoscaler_environment_start_seconds_sum{namespace="ns",function="hello"} 14',
    );
    expect(text).toContain(`lamina_autoscaler_environments_started_total{${sel}} 3`);
  });

  it('drops starts a scale-down made unnecessary, and counts cold calls', async () => {
    const s = setup();
    s.observer.started(hello, 4, 0);
    s.observer.observe(hello, { desired: 1, ready: 0, starting: 1, counts: NO_DEMAND }, 1000);
    s.observer.observe(hello, { desired: 1, ready: 1, starting: 0, counts: NO_DEMAND }, 4000);
    s.observer.woken(hello);
    s.observer.woken(hello);
    const text = await s.text();
    expect(text).toContain(
      'lamina_autoscaler_environment_start_seconds_count{namespace="ns",function="hello"} 1',
    );
    expect(text).toContain(`lamina_autoscaler_cold_calls_total{${sel}} 2`);
  });
});
