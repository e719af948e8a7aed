/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import type { V1Pod } from '@kubernetes/client-node';
import { eventually } from '@lamina/testkit';
import {
  LABELS,
  POOL_GENERIC,
  POOL_LABEL,
  WORKER_CONTAINER,
  WORKER_ENV,
  WORKER_PORT_NAME,
} from '@lamina/kube';
import { afterEach, describe, expect, it } from 'vitest';

import { AgentReadiness, startingPodOf } from './agent-readiness.js';
import type { WorkerPod } from './worker-pods.js';

/** A version's pod: container running (or not), Ready as the kubelet says, restarts. */
function pod(
  o: { running?: boolean; ready?: boolean; restarts?: number; pool?: string; uid?: string } = {},
): V1Pod {
  return {
    metadata: {
      name: 'hello-1',
      uid: o.uid ?? 'u1',
      labels: {
        [LABELS.function]: 'hello',
        ...(o.pool === undefined ? {} : { [POOL_LABEL]: o.pool }),
      },
    },
    spec: {
      containers: [
        {
          name: WORKER_CONTAINER,
          ports: [{ name: WORKER_PORT_NAME, containerPort: 8080 }],
          env: [
            { name: WORKER_ENV.functionName, value: 'hello' },
            { name: WORKER_ENV.version, value: '1' },
          ],
        },
      ],
    },
    status: {
      podIP: '10.0.0.7',
      conditions: [{ type: 'Ready', status: o.ready === true ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: WORKER_CONTAINER,
          image: 'w',
          imageID: 'w',
          ready: o.ready === true,
          restartCount: o.restarts ?? 0,
          state: o.running === false ? { waiting: {} } : { running: {} },
        },
      ],
    },
  };
}

describe('startingPodOf', () => {
  it('takes a version pod whose container runs and was never reported ready', () => {
    expect(startingPodOf(pod())).toMatchObject({ name: 'hello-1', ip: '10.0.0.7', version: '1' });
    expect(startingPodOf(pod({ running: false }))).toBeUndefined();
    expect(startingPodOf(pod({ ready: true }))).toBeUndefined();
    expect(startingPodOf(pod({ pool: POOL_GENERIC }))).toBeUndefined();
  });
});

describe('AgentReadiness', () => {
  const stops: (() => void)[] = [];
  afterEach(() => {
    for (const s of stops.splice(0)) s();
  });

  function setup(answers: boolean[]) {
    const confirmed: WorkerPod[] = [];
    const asked: string[] = [];
    const r = new AgentReadiness({
      port: 8080,
      intervalMs: 5,
      probe: (ip, port) => {
        asked.push(`${ip}:${String(port)}`);
        return Promise.resolve(answers.shift() ?? false);
      },
      onConfirmed: (p) => confirmed.push(p),
    });
    stops.push(() => {
      r.stop();
    });
    return { r, confirmed, asked };
  }

  it('polls a starting pod until its agent says ready, then keeps it ready until the kubelet agrees', async () => {
    const { r, confirmed, asked } = setup([false, false, true]);
    expect(r.seen(pod())).toBeUndefined();
    await eventually(() => confirmed.length === 1);
    expect(asked).toEqual(['10.0.0.7:8080', '10.0.0.7:8080', '10.0.0.7:8080']);
    // Further updates of the same container keep it ready; the kubelet's Ready takes over.
    expect(r.seen(pod())).toMatchObject({ name: 'hello-1', early: true });
    expect(confirmed[0]?.early).toBe(true);
    expect(r.seen(pod({ ready: true }))).toBeUndefined();
    // Once the kubelet has reported it ready, the watch alone decides: never polled again.
    expect(r.seen(pod({ ready: false }))).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(asked).toHaveLength(3);
  });

  it('starts over for a restarted container and stops for a pod that is gone', async () => {
    const { r, confirmed, asked } = setup([true]);
    r.seen(pod());
    await eventually(() => confirmed.length === 1);
    // Restarted: the confirmation was for the old container.
    expect(r.seen(pod({ restarts: 1 }))).toBeUndefined();
    await eventually(() => asked.length >= 3);
    r.gone('hello-1');
    const n = asked.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(asked.length).toBe(n);
    expect(confirmed).toHaveLength(1);
  });
});
