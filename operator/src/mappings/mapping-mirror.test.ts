import { esmKeys, mappingUuidOf } from '@lamina/core';
import type { EventSourceMappingResource, RestartingInformer } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { MappingMirror, type MirrorRedis } from './mapping-mirror.js';

const resource = (name: string, batchSize = 100): EventSourceMappingResource =>
  ({
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'EventSourceMapping',
    metadata: { name, namespace: 'ns', generation: 1 },
    spec: {
      functionName: 'fn',
      enabled: true,
      topics: ['t'],
      bootstrapServers: ['k:9092'],
      startingPosition: 'LATEST',
      batchSize,
    },
  }) as unknown as EventSourceMappingResource;

/** A cache the test fills, with the informer's events. */
function fakeInformer() {
  const items = new Map<string, EventSourceMappingResource>();
  const handlers: ((r: EventSourceMappingResource) => void)[] = [];
  let synced = false;
  let stopped = 0;
  const informer = {
    on: (_e: string, h: (r: EventSourceMappingResource) => void) => handlers.push(h),
    start: () => Promise.resolve(),
    waitForSync: () => {
      synced = true;
      return Promise.resolve();
    },
    get hasSynced() {
      return synced;
    },
    list: () => [...items.values()],
    stop: () => {
      stopped++;
      return Promise.resolve();
    },
  } as unknown as RestartingInformer<EventSourceMappingResource>;
  const emit = (r: EventSourceMappingResource, gone = false): void => {
    if (gone) items.delete(r.metadata.name ?? '');
    else items.set(r.metadata.name ?? '', r);
    for (const h of handlers) h(r);
  };
  return { informer, emit, stopped: () => stopped };
}

function fakeRedis(): MirrorRedis & { hashes: Map<string, Map<string, string>> } {
  const hashes = new Map<string, Map<string, string>>();
  const hash = (k: string): Map<string, string> => {
    const h = hashes.get(k) ?? new Map<string, string>();
    hashes.set(k, h);
    return h;
  };
  return {
    hashes,
    hgetall: (k) => Promise.resolve(Object.fromEntries(hash(k))),
    hset: (k, f, v) => {
      hash(k).set(f, v);
      return Promise.resolve(1);
    },
    hdel: (k, ...fs) => Promise.resolve(fs.filter((f) => hash(k).delete(f)).length),
  };
}

const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const tick = () => new Promise((r) => setTimeout(r, 20));

describe('MappingMirror', () => {
  it('mirrors resources into Redis on events and writes the pollers reports into status', async () => {
    const keys = esmKeys('t');
    const { informer, emit, stopped } = fakeInformer();
    const redis = fakeRedis();
    await redis.hset(keys.mappings, 'stale', '{}');
    const patches: { name: string; status: Record<string, unknown> }[] = [];
    const mirror = new MappingMirror({
      informer,
      redis,
      keys,
      writer: {
        patchStatus: (_p, _ns, name, status) => {
          patches.push({ name, status: status as Record<string, unknown> });
          return Promise.resolve();
        },
      },
      intervalMs: 60_000,
      logger,
      now: () => 42,
    });
    emit(resource('orders'));
    await mirror.start();
    const uuid = mappingUuidOf('orders');
    const mirrored = redis.hashes.get(keys.mappings);
    expect([...(mirrored?.keys() ?? [])]).toEqual([uuid]);
    expect(JSON.parse(mirrored?.get(uuid) ?? '{}')).toMatchObject({ uuid, lastModified: 42 });
    expect(patches).toEqual([expect.objectContaining({ name: 'orders' })]);
    expect(patches[0]?.status).toMatchObject({ state: 'Creating', uuid });

    // A poller report reaches the status at the next sync.
    await redis.hset(
      keys.status,
      uuid,
      JSON.stringify({
        state: 'Enabled',
        stateTransitionReason: 'USER_INITIATED',
        lastProcessingResult: 'OK',
      }),
    );
    emit(resource('orders', 5));
    await tick();
    expect(JSON.parse(redis.hashes.get(keys.mappings)?.get(uuid) ?? '{}')).toMatchObject({
      batchSize: 5,
    });
    expect(patches.at(-1)?.status).toMatchObject({ state: 'Enabled', lastProcessingResult: 'OK' });

    emit(resource('orders'), true);
    await tick();
    expect(redis.hashes.get(keys.mappings)?.size).toBe(0);
    expect(redis.hashes.get(keys.status)?.size).toBe(0);

    await Promise.all([mirror.stop(), mirror.stop()]);
    expect(stopped()).toBe(1);
  });

  it('writes nothing before the cache has synced', () => {
    const keys = esmKeys('t');
    const { informer } = fakeInformer();
    const redis = fakeRedis();
    const mirror = new MappingMirror({
      informer,
      redis,
      keys,
      writer: { patchStatus: () => Promise.resolve() },
      intervalMs: 60_000,
      logger,
    });
    mirror.kick();
    expect(redis.hashes.size).toBe(0);
  });
});
