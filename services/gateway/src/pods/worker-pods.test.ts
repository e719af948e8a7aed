/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import type { V1Pod } from '@kubernetes/client-node';
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
import { describe, expect, it } from 'vitest';

import { type PodInformer, WorkerPodIndex, workerPodOf, WorkerPodWatch } from './worker-pods.js';

const SHA = 'AB'.repeat(32);

/** A worker pod as the operator's Deployment makes it (the worker-pod contract of @lamina/kube). */
function pod(
  name: string,
  o: {
    fn?: string;
    version?: string;
    slug?: string;
    ready?: boolean;
    ip?: string;
    deleting?: boolean;
    env?: boolean;
  } = {},
): V1Pod {
  const env = o.env ?? true;
  return {
    metadata: {
      name,
      namespace: 'ns',
      labels: {
        [WORKER_APP_LABEL]: WORKER_APP_NAME,
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.function]: o.fn ?? 'hello',
        [LABELS.version]: o.slug ?? 'latest',
      },
      ...(o.deleting === true ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      containers: [
        {
          name: WORKER_CONTAINER,
          ports: [{ name: WORKER_PORT_NAME, containerPort: WORKER_DEFAULT_PORT }],
          env: env
            ? [
                { name: WORKER_ENV.functionName, value: o.fn ?? 'hello' },
                { name: WORKER_ENV.version, value: o.version ?? '$LATEST' },
                { name: WORKER_ENV.codeSha256, value: SHA },
              ]
            : [],
        },
      ],
    },
    status: {
      ...(o.ip === '' ? {} : { podIP: o.ip ?? '10.0.0.1' }),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('workerPodOf', () => {
  it('reads function, version, code hash (lower-case hex), IP and port', () => {
    expect(workerPodOf(pod('hello-latest-1'))).toEqual({
      name: 'hello-latest-1',
      ip: '10.0.0.1',
      port: WORKER_DEFAULT_PORT,
      functionName: 'hello',
      version: '$LATEST',
      codeSha256Hex: SHA.toLowerCase(),
    });
  });

  it('takes only pods that can run something: Ready, with an IP, not being deleted', () => {
    expect(workerPodOf(pod('a', { ready: false }))).toBeUndefined();
    expect(workerPodOf(pod('a', { ip: '' }))).toBeUndefined();
    expect(workerPodOf(pod('a', { deleting: true }))).toBeUndefined();
  });

  it('falls back to the labels for function and version (latest → $LATEST, v3 → 3)', () => {
    expect(workerPodOf(pod('a', { env: false, slug: 'v3' }))).toMatchObject({
      functionName: 'hello',
      version: '3',
      codeSha256Hex: undefined,
    });
    expect(workerPodOf(pod('a', { env: false }))?.version).toBe('$LATEST');
    expect(workerPodOf(pod('a', { env: false, slug: 'weird' }))).toBeUndefined();
  });
});

describe('WorkerPodIndex', () => {
  it('groups ready pods by function version and tells listeners of changes', () => {
    const index = new WorkerPodIndex();
    let changes = 0;
    const off = index.onChange(() => (changes += 1));
    const a = workerPodOf(pod('b-pod'));
    const b = workerPodOf(pod('a-pod'));
    const v1 = workerPodOf(pod('v1-pod', { version: '1', slug: 'v1' }));
    index.set('b-pod', a);
    index.set('a-pod', b);
    index.set('v1-pod', v1);
    expect(index.ready('hello', '$LATEST').map((p) => p.name)).toEqual(['a-pod', 'b-pod']);
    expect(index.ready('hello', '1').map((p) => p.name)).toEqual(['v1-pod']);
    expect(index.ready('other', '$LATEST')).toEqual([]);
    // A pod turning unready leaves; a pod moving version moves.
    index.set('b-pod', undefined);
    index.set('a-pod', workerPodOf(pod('a-pod', { version: '1', slug: 'v1' })));
    expect(index.ready('hello', '$LATEST')).toEqual([]);
    expect(index.ready('hello', '1').map((p) => p.name)).toEqual(['a-pod', 'v1-pod']);
    expect(changes).toBe(5);
    off();
    index.replaceAll([]);
    expect(index.size).toBe(0);
    expect(changes).toBe(5);
  });

  it('tells onLeave of each pod that left or moved address, not of one that changed in place', () => {
    const index = new WorkerPodIndex();
    const left: string[] = [];
    index.onLeave((p) => left.push(`${p.name}@${p.ip}`));
    index.set('a', workerPodOf(pod('a')));
    index.set('b', workerPodOf(pod('b')));
    index.set('c', workerPodOf(pod('c')));
    index.set('a', workerPodOf(pod('a', { version: '1', slug: 'v1' }))); // same address
    index.set('b', undefined);
    expect(left).toEqual(['b@10.0.0.1']);
    const moved = workerPodOf(pod('c'));
    index.replaceAll(moved === undefined ? [] : [{ ...moved, ip: '10.0.0.9' }]);
    expect(left.slice(1).sort()).toEqual(['a@10.0.0.1', 'c@10.0.0.1']);
  });
});

describe('WorkerPodWatch', () => {
  function fakeInformer(initial: V1Pod[]) {
    const handlers = new Map<string, ((p: V1Pod) => void)[]>();
    let stops = 0;
    const informer: PodInformer = {
      on: (event, handler) => {
        handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      },
      start: () => Promise.resolve(),
      waitForSync: () => Promise.resolve(),
      stop: () => {
        stops += 1;
        return Promise.resolve();
      },
      list: () => initial,
    };
    const emit = (event: 'add' | 'update' | 'delete', p: V1Pod): void => {
      for (const h of handlers.get(event) ?? []) h(p);
    };
    return { informer, emit, stops: () => stops };
  }

  it('keeps the index in step with the informer: list, add, update, delete', async () => {
    const f = fakeInformer([pod('p1'), pod('p2', { ready: false })]);
    const watch = new WorkerPodWatch({ informer: f.informer });
    await watch.start();
    expect(watch.ready('hello', '$LATEST').map((p) => p.name)).toEqual(['p1']);
    f.emit('update', pod('p2'));
    f.emit('add', pod('p3', { version: '2', slug: 'v2' }));
    expect(watch.ready('hello', '$LATEST').map((p) => p.name)).toEqual(['p1', 'p2']);
    expect(watch.ready('hello', '2').map((p) => p.name)).toEqual(['p3']);
    f.emit('update', pod('p1', { deleting: true }));
    f.emit('delete', pod('p3', { version: '2', slug: 'v2' }));
    expect(watch.ready('hello', '$LATEST').map((p) => p.name)).toEqual(['p2']);
    expect(watch.ready('hello', '2')).toEqual([]);
    await Promise.all([watch.stop(), watch.stop()]);
    expect(f.stops()).toBe(1);
  });
});
