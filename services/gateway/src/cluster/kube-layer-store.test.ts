/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import type { LayerVersionRecord } from '@lamina/core';
import { LABELS, type LayerVersionResource, type RestartingInformer } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import type { CustomObjects } from './custom-objects.js';
import { KubeLayerStore, layerResourceName } from './kube-layer-store.js';

/** What client-node throws: an error with the HTTP code and the Status body. */
const alreadyExists = Object.assign(new Error('AlreadyExists'), {
  code: 409,
  body: JSON.stringify({ kind: 'Status', code: 409, reason: 'AlreadyExists', message: 'x' }),
});

/** A cache holding whatever `objects` stored (the watch, instantly); `taken` names exist elsewhere. */
function setup(taken = new Set<string>()) {
  const cache = new Map<string, LayerVersionResource>();
  const informer = {
    on: () => undefined,
    get: (name: string) => cache.get(name),
    list: () => [...cache.values()],
  } as unknown as RestartingInformer<LayerVersionResource>;
  const objects = {
    create: (_p: string, body: LayerVersionResource) => {
      const name = body.metadata.name ?? '';
      if (taken.has(name) || cache.has(name)) return Promise.reject(alreadyExists);
      cache.set(name, body);
      return Promise.resolve(body);
    },
    mergePatch: (_p: string, name: string, patch: { metadata: { labels: object } }) => {
      const r = cache.get(name)!;
      const next: LayerVersionResource = {
        apiVersion: r.apiVersion,
        kind: r.kind,
        spec: r.spec,
        metadata: { name, labels: { ...r.metadata.labels, ...patch.metadata.labels } },
      };
      cache.set(name, next);
      return Promise.resolve(next);
    },
  } as unknown as CustomObjects;
  const store = new KubeLayerStore({
    namespace: 'ns',
    informer,
    objects,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { store, cache };
}

const make =
  (layerName: string) =>
  (version: number): LayerVersionRecord => ({
    layerName,
    version,
    description: '',
    createdDate: '2026-01-01T00:00:00.000+0000',
    compatibleRuntimes: ['python3.11'],
    compatibleArchitectures: ['x86_64'],
    sha256: Buffer.from('ab'.repeat(32), 'hex').toString('base64'),
    size: 10,
  });

describe('KubeLayerStore', () => {
  it('names resources as Kubernetes allows, distinct for names that differ only in case', () => {
    expect(layerResourceName('My_Layer', 3)).toMatch(/^my-layer-[0-9a-f]{8}-3$/);
    expect(layerResourceName('my_layer', 3)).not.toBe(layerResourceName('My_Layer', 3));
  });

  it('publishes, reads back, and keeps a tombstone so a number is never reused', async () => {
    const { store, cache } = setup();
    expect((await store.publish('L', make('L'))).version).toBe(1);
    expect((await store.publish('L', make('L'))).version).toBe(2);
    expect(store.get('L', 1)?.sha256).toBe(make('L')(1).sha256);
    await store.delete('L', 2);
    await store.delete('L', 2);
    expect(store.get('L', 2)).toBeUndefined();
    expect(store.list('L').map((r) => r.version)).toEqual([1]);
    expect(cache.get(layerResourceName('L', 2))?.metadata.labels?.[LABELS.deleted]).toBe('true');
    expect((await store.publish('L', make('L'))).version).toBe(3);
  });

  it('takes the next number when another replica created this one first', async () => {
    const { store } = setup(new Set([layerResourceName('L', 1), layerResourceName('L', 2)]));
    expect((await store.publish('L', make('L'))).version).toBe(3);
  });
});
