/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import type { V1Pod } from '@kubernetes/client-node';
import type { FunctionVersionConfig } from '@lamina/core';
import type { AliasResource, FunctionVersionResource } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import type { WorkerPod } from '../pods/worker-pods.js';
import type { CustomObjects } from './custom-objects.js';
import { KubeProvisionedStore, PROVISIONED_ANNOTATION } from './kube-provisioned-store.js';
import { KubeProvisioning, podFailure } from './kube-provisioning.js';

const version = (n: string, annotation?: string): FunctionVersionResource => ({
  apiVersion: 'lamina.dev/v1alpha1',
  kind: 'FunctionVersion',
  metadata: {
    name: `hello-v${n}`,
    namespace: 'ns',
    ...(annotation === undefined ? {} : { annotations: { [PROVISIONED_ANNOTATION]: annotation } }),
  },
  spec: {
    functionName: 'hello',
    version: n,
    function: { memorySize: 128, timeout: 3, code: { sha256: 'ab'.repeat(32) } },
  },
});

const alias = (name: string, annotation?: string): AliasResource => ({
  apiVersion: 'lamina.dev/v1alpha1',
  kind: 'Alias',
  metadata: {
    name: `hello.${name}`,
    namespace: 'ns',
    ...(annotation === undefined ? {} : { annotations: { [PROVISIONED_ANNOTATION]: annotation } }),
  },
  spec: { functionName: 'hello', name, functionVersion: '1' },
});

type Resource = FunctionVersionResource | AliasResource;

/** Informer caches over one map, and objects whose merge patches land in it at once. */
function cluster(resources: Resource[]) {
  const byName = new Map(resources.map((r) => [r.metadata.name ?? '', r]));
  const patches: { plural: string; name: string; patch: unknown }[] = [];
  const cache = <T extends Resource>(kind: string) => ({
    get: (name: string) => {
      const r = byName.get(name);
      return r?.kind === kind ? (r as T) : undefined;
    },
    list: () => [...byName.values()].filter((r): r is T => r.kind === kind),
  });
  const objects = {
    mergePatch: (plural: string, name: string, patch: Record<string, unknown>) => {
      patches.push({ plural, name, patch });
      const r = byName.get(name);
      if (r === undefined) return Promise.reject(Object.assign(new Error('nf'), { code: 404 }));
      const meta = patch['metadata'] as { annotations?: Record<string, string | null> } | undefined;
      // A JSON merge patch: null removes a key.
      const merge = (base: object, change: object): Record<string, unknown> =>
        Object.fromEntries(Object.entries({ ...base, ...change }).filter(([, v]) => v !== null));
      const annotations = merge(r.metadata.annotations ?? {}, meta?.annotations ?? {});
      const spec = merge(r.spec, patch['spec'] ?? {});
      byName.set(name, {
        ...(r as object),
        metadata: { ...r.metadata, annotations },
        spec,
      } as Resource);
      return Promise.resolve(byName.get(name));
    },
  } as unknown as CustomObjects;
  return {
    byName,
    patches,
    objects,
    versions: cache<FunctionVersionResource>('FunctionVersion'),
    aliases: cache<AliasResource>('Alias'),
  };
}

const storeOn = (c: ReturnType<typeof cluster>) =>
  new KubeProvisionedStore({
    namespace: 'ns',
    versions: c.versions,
    aliases: c.aliases,
    objects: c.objects,
    arnContext: { region: 'us-east-1', accountId: '000000000000' },
  });

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('KubeProvisionedStore', () => {
  it('keeps a config per qualifier as an annotation of its FunctionVersion or Alias', async () => {
    const c = cluster([version('1'), alias('live')]);
    const store = storeOn(c);
    await store.put({ functionName: 'hello', qualifier: '1', requested: 2, lastModified: 't1' });
    await store.put({ functionName: 'hello', qualifier: 'live', requested: 1, lastModified: 't2' });
    expect(c.byName.get('hello-v1')?.metadata.annotations?.[PROVISIONED_ANNOTATION]).toBe(
      '{"requested":2,"lastModified":"t1"}',
    );
    // A second store on the same resources (another replica, a restart) sees the same set.
    expect(storeOn(c).list('hello')).toEqual([
      { functionName: 'hello', qualifier: '1', requested: 2, lastModified: 't1' },
      { functionName: 'hello', qualifier: 'live', requested: 1, lastModified: 't2' },
    ]);
    await store.delete('hello', 'live');
    expect(store.get('hello', 'live')).toBeUndefined();
    expect(store.all()).toHaveLength(1);
  });

  it('answers ProvisionedConcurrencyConfigNotFoundException without a config; ignores junk', async () => {
    const c = cluster([version('1', 'not json'), alias('live', '{"requested":0}')]);
    const store = storeOn(c);
    expect(store.all()).toEqual([]);
    await expect(store.delete('hello', '1')).rejects.toMatchObject({
      name: 'ProvisionedConcurrencyConfigNotFoundException',
    });
    expect(store.get('hello', 'Not-A-Kube-Name')).toBeUndefined();
  });
});

const pod = (name: string, extra: Partial<V1Pod['status']> = {}, provisioned = true): V1Pod => ({
  metadata: { name },
  spec: {
    containers: [
      {
        name: 'worker',
        env: [
          { name: 'LAMINA_FUNCTION_NAME', value: 'hello' },
          { name: 'LAMINA_FUNCTION_VERSION', value: '1' },
          ...(provisioned
            ? [{ name: 'LAMINA_INITIALIZATION_TYPE', value: 'provisioned-concurrency' }]
            : []),
        ],
      },
    ],
  },
  status: extra,
});

describe('KubeProvisioning', () => {
  const fn = { name: 'hello', version: '1' } as FunctionVersionConfig;
  const ready = (provisioned: boolean): WorkerPod => ({
    name: provisioned ? 'p' : 'o',
    ip: '10.0.0.1',
    port: 8080,
    functionName: 'hello',
    version: '1',
    codeSha256Hex: undefined,
    ...(provisioned ? { provisioned: true } : {}),
  });

  it('writes the version floor only when it differs, and removes it at 0', async () => {
    const c = cluster([version('1')]);
    const p = new KubeProvisioning({
      namespace: 'ns',
      versions: c.versions,
      objects: c.objects,
      pods: { ready: () => [] },
      allPods: () => [],
      logger,
    });
    p.provision(fn, 2);
    p.provision(fn, 2);
    await new Promise((r) => setTimeout(r, 10));
    expect(c.byName.get('hello-v1')?.spec).toMatchObject({ provisionedConcurrency: 2 });
    expect(c.patches).toHaveLength(1);
    p.provision(fn, 0);
    await new Promise((r) => setTimeout(r, 10));
    expect(c.byName.get('hello-v1')?.spec).not.toHaveProperty('provisionedConcurrency');
    expect(c.patches.at(-1)?.patch).toEqual({ spec: { provisionedConcurrency: null } });
  });

  it('sweep at start sets every floor to what the configs add up to', async () => {
    const stale = { ...version('2'), spec: { ...version('2').spec, provisionedConcurrency: 3 } };
    const c = cluster([version('1'), stale]);
    const p = new KubeProvisioning({
      namespace: 'ns',
      versions: c.versions,
      objects: c.objects,
      pods: { ready: () => [] },
      allPods: () => [],
      logger,
    });
    const configs = [
      { functionName: 'hello', qualifier: '1', requested: 1, lastModified: 't' },
      { functionName: 'hello', qualifier: 'live', requested: 2, lastModified: 't' },
      { functionName: 'hello', qualifier: 'gone', requested: 5, lastModified: 't' },
    ];
    p.sweep(configs, (_fn, a) => (a === 'live' ? '1' : undefined));
    await new Promise((r) => setTimeout(r, 10));
    expect(c.byName.get('hello-v1')?.spec).toMatchObject({ provisionedConcurrency: 3 });
    expect(c.byName.get('hello-v2')?.spec).not.toHaveProperty('provisionedConcurrency');
  });

  it('counts ready provisioned pods and says why the others cannot start', () => {
    const pulling = pod('hello-v1-x', {
      containerStatuses: [
        {
          name: 'worker',
          image: 'i',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ErrImageNeverPull', message: 'image not present' } },
        },
      ],
    });
    const p = new KubeProvisioning({
      namespace: 'ns',
      versions: cluster([]).versions,
      objects: cluster([]).objects,
      pods: { ready: (_f, v) => (v === '1' ? [ready(true), ready(false)] : []) },
      allPods: () => [pod('hello-v1-ok'), pod('hello-v1-od', {}, false), pulling],
      logger,
    });
    expect(p.provisioned('hello', '1')).toEqual({
      ready: 1,
      failure: 'worker pod hello-v1-x: ErrImageNeverPull: image not present',
    });
    expect(p.provisioned('hello', '2')).toEqual({ ready: 0 });
  });

  it('a pod is a failure once unschedulable for the bound', () => {
    const since = new Date(1_000);
    const stuck = pod('s', {
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/1 nodes are available: 1 Insufficient memory.',
          lastTransitionTime: since,
        },
      ],
    });
    expect(podFailure(stuck, 30_000, 60_000)).toBeUndefined();
    expect(podFailure(stuck, 61_000, 60_000)).toBe(
      'worker pod s: Unschedulable: 0/1 nodes are available: 1 Insufficient memory.',
    );
  });
});
