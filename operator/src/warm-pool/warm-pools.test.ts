/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import type { V1Deployment } from '@kubernetes/client-node';
import type { FunctionResource } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { buildPoolDeployment, poolDeploymentName } from '../builders/pool-deployment.js';
import { loadConfig } from '../config.js';
import { FakeWriter } from '../test-support/fake-cluster.js';
import { desiredPools, WarmPools } from './warm-pools.js';

const config = loadConfig({
  LAMINA_WORKER_CODE_DELIVERY: 'http',
  LAMINA_WORKER_CODE_URL: 'http://gw.lamina-system.svc',
  LAMINA_WARM_POOL_SIZE: '2',
  LAMINA_WARM_POOL_IDLE_SECONDS: '30',
});
const fn = (namespace: string, runtime: string | undefined, zip = true): FunctionResource =>
  ({
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'Function',
    metadata: { name: `f-${runtime ?? 'img'}`, namespace },
    spec: {
      ...(runtime === undefined ? {} : { runtime }),
      code: zip ? { sha256: 'a'.repeat(64) } : { image: 'registry/fn:1' },
    },
  }) as unknown as FunctionResource;

describe('warm pools', () => {
  it('is off without http code delivery, and reads its size, runtimes and idle time', () => {
    expect(loadConfig({}).warmPool.size).toBe(0);
    expect(config.warmPool).toMatchObject({
      size: 2,
      runtimes: [],
      memoryMb: 512,
      idleSeconds: 30,
    });
    expect(
      loadConfig({
        LAMINA_WORKER_CODE_DELIVERY: 'http',
        LAMINA_WORKER_CODE_URL: 'http://gw',
        LAMINA_WARM_POOL_RUNTIMES: 'nodejs22.x, python3.12',
      }).warmPool,
    ).toMatchObject({ size: 1, runtimes: ['nodejs22.x', 'python3.12'] });
  });

  it('wants one pool per runtime in use or configured, per namespace with functions; unused ones go to 0', () => {
    const existing = [
      buildPoolDeployment({
        namespace: 'a',
        runtime: 'java21',
        replicas: 2,
        pool: config.warmPool,
        worker: config.worker,
      }),
    ];
    const pools = desiredPools(
      [
        fn('a', 'nodejs22.x'),
        fn('a', 'nodejs22.x'),
        fn('b', 'python3.12'),
        fn('b', undefined, false),
      ],
      existing,
      { ...config.warmPool, runtimes: ['nodejs22.x'] },
    );
    expect(pools).toEqual([
      { namespace: 'a', runtime: 'java21', replicas: 0 },
      { namespace: 'a', runtime: 'nodejs22.x', replicas: 2 },
      { namespace: 'b', runtime: 'nodejs22.x', replicas: 2 },
      { namespace: 'b', runtime: 'python3.12', replicas: 2 },
    ]);
  });

  it('builds generic pods: no function, no Secret, the runtime image, locked down, selector on pool=generic', () => {
    const d = buildPoolDeployment({
      namespace: 'a',
      runtime: 'nodejs22.x',
      replicas: 2,
      pool: config.warmPool,
      worker: config.worker,
    });
    expect(d.metadata?.name).toBe(poolDeploymentName('nodejs22.x'));
    expect(d.metadata?.name).toBe('lamina-pool-nodejs22-x');
    expect(d.spec?.selector.matchLabels).toEqual({
      'lamina.dev/pool': 'generic',
      'lamina.dev/runtime': 'nodejs22.x',
    });
    const pod = d.spec?.template.spec;
    const c = pod?.containers[0];
    expect(c?.image).toBe('lamina/worker-nodejs22:0.1.0');
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      LAMINA_WORKER_GENERIC: 'true',
      LAMINA_RUNTIME: 'nodejs22.x',
      LAMINA_CODE_URL: 'http://gw.lamina-system.svc',
      LAMINA_SPECIALIZED_IDLE_SECONDS: '30',
    });
    expect(env['LAMINA_FUNCTION_NAME']).toBeUndefined();
    expect(env['LAMINA_CODE_TOKEN']).toBeUndefined();
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(c?.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(d.spec?.template.metadata?.annotations?.['lamina.dev/pool-memory-mb']).toBe('512');
  });

  it('applies only what differs', async () => {
    const writer = new FakeWriter();
    const deployments: V1Deployment[] = [];
    const pools = new WarmPools({
      functions: { list: () => [fn('a', 'nodejs22.x')], on: () => undefined },
      deployments: { list: () => deployments },
      writer,
      pool: config.warmPool,
      worker: config.worker,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await pools.sync();
    expect(writer.applied).toHaveLength(1);
    deployments.push(writer.applied[0] as V1Deployment);
    await pools.sync();
    expect(writer.applied).toHaveLength(1);
  });
});
