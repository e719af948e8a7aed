/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment, @typescript-eslint/no-misused-spread --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import { mappingUuidOf, validateCreateMapping } from '@lamina/core';
import type { EventSourceMappingResource, RestartingInformer } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import type { CustomObjects } from './custom-objects.js';
import { KubeMappingStore, lastModifiedOf } from './kube-mapping-store.js';

const UUID = '6f1c2b1e-8a3d-4c2b-9f00-1234567890ab';

const applied = (name: string, extra: Record<string, unknown> = {}): EventSourceMappingResource =>
  ({
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'EventSourceMapping',
    metadata: {
      name,
      namespace: 'ns',
      resourceVersion: '1',
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: {
      functionName: 'fn',
      enabled: true,
      topics: ['t'],
      bootstrapServers: ['k:9092'],
      startingPosition: 'LATEST',
      batchSize: 100,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      bisectBatchOnFunctionError: false,
    },
    ...extra,
  }) as unknown as EventSourceMappingResource;

/** The API server and the watch in one: what `objects` writes, the cache holds at once. */
function setup(initial: EventSourceMappingResource[] = []) {
  const items = new Map(initial.map((r) => [r.metadata.name ?? '', r]));
  let rv = 10;
  const calls: { op: string; name: string; body?: unknown }[] = [];
  const informer = {
    on: () => undefined,
    list: () => [...items.values()],
  } as unknown as RestartingInformer<EventSourceMappingResource>;
  const objects = {
    create: (_p: string, body: EventSourceMappingResource) => {
      const name = body.metadata.name ?? '';
      calls.push({ op: 'create', name, body });
      const stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
      items.set(name, stored);
      return Promise.resolve(stored);
    },
    mergePatch: (_p: string, name: string, patch: { spec: Record<string, unknown> }) => {
      calls.push({ op: 'patch', name, body: patch });
      const cur = items.get(name);
      if (cur === undefined) return Promise.reject(Object.assign(new Error('nf'), { code: 404 }));
      const spec = { ...cur.spec, ...patch.spec } as Record<string, unknown>;
      for (const [k, v] of Object.entries(spec)) if (v === null) Reflect.deleteProperty(spec, k);
      const stored = {
        ...cur,
        spec,
        metadata: { ...cur.metadata, resourceVersion: String(++rv) },
      } as EventSourceMappingResource;
      items.set(name, stored);
      return Promise.resolve(stored);
    },
    delete: (_p: string, name: string) => {
      calls.push({ op: 'delete', name });
      items.delete(name);
      return Promise.resolve();
    },
  } as unknown as CustomObjects;
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const store = new KubeMappingStore({ namespace: 'ns', informer, objects, logger });
  return { store, calls, items };
}

const created = (batchSize = 100) =>
  validateCreateMapping(
    {
      FunctionName: 'fn',
      Topics: ['t'],
      SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['k:9092'] } },
      StartingPosition: 'LATEST',
      BatchSize: batchSize,
      DestinationConfig: { OnFailure: { Destination: 'kafka://dlq' } },
    },
    UUID,
    1000,
  );

describe('KubeMappingStore', () => {
  it('lists resources applied with kubectl under the UUID of their name, with their status', async () => {
    const { store } = setup([
      applied('orders', {
        status: { state: 'Enabled', lastProcessingResult: 'OK', uuid: mappingUuidOf('orders') },
      }),
      applied('broken', { spec: { functionName: 'fn', topics: ['t'] } }),
    ]);
    const all = await store.list();
    expect(all).toHaveLength(1);
    expect(all[0]?.mapping).toMatchObject({
      uuid: mappingUuidOf('orders'),
      consumerGroupId: mappingUuidOf('orders'),
      lastModified: Date.parse('2026-01-01T00:00:00Z'),
    });
    expect(all[0]?.status).toEqual({
      state: 'Enabled',
      stateTransitionReason: 'USER_INITIATED',
      lastProcessingResult: 'OK',
    });
    expect(await store.get(mappingUuidOf('orders'))).toEqual(all[0]);
    expect(await store.get(UUID)).toBeUndefined();
  });

  it('creates a resource named by the UUID, then updates it without create-only fields', async () => {
    const { store, calls, items } = setup();
    await store.put(created());
    expect(calls[0]).toMatchObject({ op: 'create', name: UUID });
    expect(items.get(UUID)?.spec).toMatchObject({
      consumerGroupId: UUID,
      destinationConfig: { onFailure: { destination: 'kafka://dlq' } },
    });
    const got = await store.get(UUID);
    expect(got?.mapping).toMatchObject({ uuid: UUID, batchSize: 100 });
    expect(got?.status).toBeUndefined();

    const next = created(7);
    Reflect.deleteProperty(next, 'destinationConfig');
    await store.put(next);
    const patch = calls[1]?.body as { spec: Record<string, unknown> };
    expect(calls[1]).toMatchObject({ op: 'patch', name: UUID });
    expect(patch.spec).not.toHaveProperty('topics');
    expect(patch.spec).not.toHaveProperty('consumerGroupId');
    expect(patch.spec).toMatchObject({ batchSize: 7, destinationConfig: null });
    expect((await store.get(UUID))?.mapping).not.toHaveProperty('destinationConfig');
  });

  it('deletes the resource of a UUID; an unknown one is false', async () => {
    const { store, calls } = setup([applied('orders')]);
    expect(await store.delete(UUID)).toBe(false);
    expect(await store.delete(mappingUuidOf('orders'))).toBe(true);
    expect(calls).toEqual([{ op: 'delete', name: 'orders' }]);
    expect(await store.list()).toEqual([]);
  });

  it('dates a mapping by its last non-status write', () => {
    const r = applied('x');
    r.metadata.managedFields = [
      { manager: 'kubectl', time: new Date('2026-02-01T00:00:00Z') },
      { manager: 'lamina-operator', subresource: 'status', time: new Date('2026-03-01T00:00:00Z') },
    ];
    expect(lastModifiedOf(r)).toBe(Date.parse('2026-02-01T00:00:00Z'));
  });
});
