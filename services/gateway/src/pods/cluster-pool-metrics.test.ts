import { randomUUID } from 'node:crypto';

import { type FunctionVersionConfig, type Invocation } from '@lamina/core';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';

import { closedPort, FakeAgent } from '../test-support/fake-agents.js';
import { HttpAgentClient } from './agent-client.js';
import { ClusterPool } from './cluster-pool.js';
import { createClusterPoolMetrics } from './cluster-pool-metrics.js';
import { WorkerPodIndex } from './worker-pods.js';

// The pool's counters as a scrape shows them; real local HTTP servers play the agents.

const fnConfig = (version = '$LATEST'): FunctionVersionConfig => ({
  name: 'hello',
  version,
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  memorySize: 128,
  timeout: 3,
  ephemeralStorage: 512,
  environment: {},
  codeDir: '/code',
  codeSha256: '',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
  region: 'us-east-1',
});

const invocation = (): Invocation => ({
  requestId: randomUUID(),
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
  payload: Buffer.from('{}'),
  tailLog: false,
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

let agents: FakeAgent[] = [];
let pools: ClusterPool[] = [];

afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await Promise.all(agents.map((a) => a.close()));
  agents = [];
  pools = [];
});

function setup(
  index: WorkerPodIndex,
  coldStartWaitMs = 1000,
): { pool: ClusterPool; scrape: () => Promise<string> } {
  const registry = new Registry();
  const pool = new ClusterPool({
    pods: index,
    client: new HttpAgentClient({ maxResponseBytes: 1 << 20, connectTimeoutMs: 500 }),
    port: 1,
    coldStartWaitMs,
    busyWaitMs: 300,
    busyRetryMs: 20,
    metrics: createClusterPoolMetrics(registry, () => index.readyPerFunction()),
    logger: silent,
  });
  pools.push(pool);
  return { pool, scrape: () => registry.metrics() };
}

describe('ClusterPool metrics', () => {
  it('counts refusals by kind and unreachable pods; gauges ready pods per function', async () => {
    const started = await Promise.all(
      ['a-draining', 'b-wrong', 'd-good'].map((n) => FakeAgent.start(n)),
    );
    agents.push(...started);
    const [draining, wrong, good] = started;
    draining!.behave = () => ({ kind: 'refuse', refusal: 'draining' });
    wrong!.behave = () => ({ kind: 'refuse', refusal: 'wrong-target' });
    const dead = { ...good!.pod(), name: 'c-dead', port: await closedPort() };
    const index = new WorkerPodIndex();
    index.replaceAll([draining!.pod(), wrong!.pod(), dead, good!.pod()]);
    const { pool, scrape } = setup(index);
    await pool.invoke(fnConfig(), invocation());
    const text = await scrape();
    expect(good!.runs).toBe(1);
    expect(text).toContain('lamina_gateway_worker_refusals_total{refusal="draining"} 1');
    expect(text).toContain('lamina_gateway_worker_refusals_total{refusal="wrong-target"} 1');
    expect(text).toContain('lamina_gateway_worker_unreachable_total 1');
    expect(text).toContain('lamina_gateway_ready_worker_pods{function="hello"} 4');
    // No wait: the first pick was a pod.
    expect(text).toContain('lamina_gateway_worker_wait_seconds_count 0');
    index.replaceAll([]);
    expect(await scrape()).not.toContain('lamina_gateway_ready_worker_pods{');
  });

  it('counts a cold-start timeout, and a wait that ended with a pod and how long it took', async () => {
    const a = await FakeAgent.start('a');
    agents.push(a);
    const index = new WorkerPodIndex();
    const { pool, scrape } = setup(index, 300);
    await expect(pool.invoke(fnConfig('2'), invocation())).rejects.toMatchObject({
      name: 'ResourceNotReadyException',
    });
    const call = pool.invoke(fnConfig(), invocation());
    setTimeout(() => {
      index.set('a', a.pod());
    }, 100);
    await call;
    const text = await scrape();
    expect(text).toContain('lamina_gateway_worker_waits_total{outcome="cold_start_timeout"} 1');
    expect(text).toContain('lamina_gateway_worker_waits_total{outcome="served"} 1');
    expect(text).toContain('lamina_gateway_worker_wait_seconds_count 1');
    expect(text).not.toContain('outcome="busy_timeout"');
  });
});
