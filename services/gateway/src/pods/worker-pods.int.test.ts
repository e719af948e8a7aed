/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; the pods are object literals. */
import { randomUUID } from 'node:crypto';

import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { type FunctionVersionConfig, LaminaError } from '@lamina/core';
import {
  LABELS,
  MANAGED_BY,
  WORKER_APP_LABEL,
  WORKER_APP_NAME,
  WORKER_CONTAINER,
  WORKER_DEFAULT_PORT,
  WORKER_ENV,
  WORKER_PORT_NAME,
} from '@lamina/kube';
import { eventually, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FakeAgent } from '../test-support/fake-agents.js';
import { HttpAgentClient } from './agent-client.js';
import { ClusterPool } from './cluster-pool.js';
import { WorkerPodWatch, workerPodInformer } from './worker-pods.js';

// The pod watch against the real API server, and the pool invoking through it. No kubelet
// takes these pods (a scheduling gate keeps them off every node): the test writes their
// status as a kubelet would, with the IP and port of a local fake agent.

const CODE = 'cd'.repeat(32);
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('WorkerPodWatch on the real API server', () => {
  const kc = new KubeConfig();
  let core: CoreV1Api;
  const ns = uniqueName('gw-pods');
  let agent: FakeAgent;
  let watch: WorkerPodWatch;
  let pool: ClusterPool;

  const workerPod = (
    name: string,
    labels: Record<string, string>,
    finalizers?: string[],
  ): V1Pod => ({
    metadata: { name, labels, ...(finalizers === undefined ? {} : { finalizers }) },
    spec: {
      schedulingGates: [{ name: 'lamina.dev/test-no-kubelet' }],
      containers: [
        {
          name: WORKER_CONTAINER,
          image: 'lamina/worker-nodejs22:0.1.0',
          ports: [{ name: WORKER_PORT_NAME, containerPort: agent.port }],
          env: [
            { name: WORKER_ENV.functionName, value: 'hello' },
            { name: WORKER_ENV.version, value: '$LATEST' },
            { name: WORKER_ENV.codeSha256, value: CODE },
          ],
        },
      ],
    },
  });
  const WORKER_LABELS = {
    [WORKER_APP_LABEL]: WORKER_APP_NAME,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.function]: 'hello',
    [LABELS.version]: 'latest',
  };
  const markReady = (name: string): Promise<V1Pod> =>
    core.patchNamespacedPodStatus(
      {
        name,
        namespace: ns,
        body: {
          status: {
            podIP: '127.0.0.1',
            podIPs: [{ ip: '127.0.0.1' }],
            conditions: [{ type: 'Ready', status: 'True' }],
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const fn: FunctionVersionConfig = {
    name: 'hello',
    version: '$LATEST',
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    memorySize: 128,
    timeout: 3,
    ephemeralStorage: 512,
    environment: {},
    codeDir: '/code',
    codeSha256: Buffer.from(CODE, 'hex').toString('base64'),
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:hello',
    region: 'us-east-1',
  };
  const invoke = () =>
    pool.invoke(fn, {
      requestId: randomUUID(),
      invokedFunctionArn: fn.functionArn,
      payload: Buffer.from('{"n":1}'),
      tailLog: false,
    });

  beforeAll(async () => {
    kc.loadFromDefault();
    core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    agent = await FakeAgent.start('hello-latest-a');
    watch = new WorkerPodWatch({ informer: workerPodInformer(kc, ns, silent) });
    await watch.start();
    pool = new ClusterPool({
      pods: watch,
      stopPods: () => watch.stop(),
      client: new HttpAgentClient({ maxResponseBytes: 1 << 20 }),
      port: WORKER_DEFAULT_PORT,
      coldStartWaitMs: 500,
      busyWaitMs: 500,
      logger: silent,
    });
  });

  afterAll(async () => {
    await pool.close();
    await agent.close();
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('lists only worker pods that are ready, and invokes them by pod IP and port', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: workerPod('hello-latest-a', WORKER_LABELS),
    });
    await core.createNamespacedPod({
      namespace: ns,
      body: workerPod('not-a-worker', { ...WORKER_LABELS, [WORKER_APP_LABEL]: 'other' }),
    });
    await markReady('not-a-worker');
    // Created but not Ready: nothing to invoke yet.
    await new Promise((r) => setTimeout(r, 300));
    expect(watch.ready('hello', '$LATEST')).toEqual([]);

    await markReady('hello-latest-a');
    const [pod] = await eventually(
      () => {
        const pods = watch.ready('hello', '$LATEST');
        return pods.length > 0 ? pods : undefined;
      },
      { what: 'the ready pod in the index', timeoutMs: 10_000 },
    );
    expect(pod).toEqual({
      name: 'hello-latest-a',
      ip: '127.0.0.1',
      port: agent.port,
      functionName: 'hello',
      version: '$LATEST',
      codeSha256Hex: CODE,
    });
    expect(watch.ready('hello', '$LATEST')).toHaveLength(1);

    const r = await invoke();
    expect(JSON.parse(r.payload.toString())).toEqual({ pod: 'hello-latest-a', payload: '{"n":1}' });
    expect(agent.runs).toBe(1);
  });

  it('drops a pod being deleted; invoke then fails with 502 after the cold-start wait', async () => {
    // A finalizer holds the pod in "terminating", as a grace period would on a node.
    const held = workerPod('hello-latest-b', WORKER_LABELS, ['lamina.dev/test-hold']);
    await core.createNamespacedPod({ namespace: ns, body: held });
    await markReady('hello-latest-b');
    await eventually(
      () => watch.ready('hello', '$LATEST').some((p) => p.name === 'hello-latest-b'),
      { what: 'pod b in the index', timeoutMs: 10_000 },
    );
    await core.deleteNamespacedPod({
      name: 'hello-latest-a',
      namespace: ns,
      gracePeriodSeconds: 0,
    });
    await core.deleteNamespacedPod({ name: 'hello-latest-b', namespace: ns });
    await eventually(() => watch.ready('hello', '$LATEST').length === 0, {
      what: 'both pods gone from the index',
      timeoutMs: 10_000,
    });
    const terminating = await core.readNamespacedPod({ name: 'hello-latest-b', namespace: ns });
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();

    const err = await invoke().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LaminaError);
    expect(err).toMatchObject({ name: 'ResourceNotReadyException', status: 502 });
    expect(agent.runs).toBe(1);
    await core.patchNamespacedPod(
      { name: 'hello-latest-b', namespace: ns, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  });
});
