import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';

import { ProvisionedAllocations, registerProvisionedMetrics } from './provisioned-metrics.js';

describe('provisioned concurrency metrics', () => {
  it('reports min(in progress, allocated) and its share per allocated version only', async () => {
    const registry = new Registry();
    const inFlight = new Gauge({
      name: 'in_flight',
      help: 'test',
      labelNames: ['function', 'version', 'resource'],
      registers: [],
    });
    const allocations = new ProvisionedAllocations();
    registerProvisionedMetrics(registry, allocations, inFlight);
    allocations.set('f', '1', 4);
    inFlight.labels('f', '1', 'f:1').set(1);
    inFlight.labels('f', '1', 'f:live').set(2);
    inFlight.labels('f', '$LATEST', 'f').set(7);
    const read = async (name: string): Promise<unknown[]> =>
      (await registry.getSingleMetric(name)?.get())?.values.map((v) => [
        v.labels['version'],
        v.value,
      ]) ?? [];
    expect(await read('lamina_provisioned_concurrent_executions')).toEqual([['1', 3]]);
    expect(await read('lamina_provisioned_concurrency_utilization')).toEqual([['1', 0.75]]);
    inFlight.labels('f', '1', 'f:1').set(9);
    expect(await read('lamina_provisioned_concurrent_executions')).toEqual([['1', 4]]);
    allocations.set('f', '1', 0);
    expect(await read('lamina_provisioned_concurrency_utilization')).toEqual([]);
  });
});
