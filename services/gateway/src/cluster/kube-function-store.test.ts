/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import { assertRevision, type FunctionRecord } from '@lamina/core';
import type { FunctionResource, RestartingInformer } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import type { CustomObjects } from './custom-objects.js';
import { ANNOTATIONS } from './function-mapping.js';
import { KubeFunctionStore } from './kube-function-store.js';

const fnResource = (rv: string, revisionId: string, memorySize = 128): FunctionResource => ({
  apiVersion: 'lamina.dev/v1alpha1',
  kind: 'Function',
  metadata: {
    name: 'hello',
    namespace: 'ns',
    resourceVersion: rv,
    uid: 'u',
    annotations: { [ANNOTATIONS.revisionId]: revisionId },
  },
  spec: {
    runtime: 'nodejs22.x',
    handler: 'i.h',
    memorySize,
    timeout: 3,
    code: { sha256: 'ab'.repeat(32) },
  },
});

/** A cache holding whatever `objects` last stored (the watch, instantly). */
function setup(replies: (FunctionResource | Error)[]) {
  let cached: FunctionResource | undefined = fnResource('1', 'r1');
  let fresh = fnResource('2', 'r2');
  const informer = {
    on: () => undefined,
    get: () => cached,
    list: () => (cached === undefined ? [] : [cached]),
  } as unknown as RestartingInformer<FunctionResource>;
  const calls: string[] = [];
  const objects = {
    get: () => {
      calls.push('get');
      return Promise.resolve(fresh);
    },
    replace: (_p: string, _n: string, body: FunctionResource) => {
      calls.push(`replace@${body.metadata.resourceVersion ?? ''}`);
      const next = replies.shift();
      if (next instanceof Error) return Promise.reject(next);
      cached = next ?? body;
      fresh = cached;
      return Promise.resolve(cached);
    },
  } as unknown as CustomObjects;
  const store = new KubeFunctionStore({
    namespace: 'ns',
    informer,
    objects,
    locateCode: (h) => h,
    arnContext: { region: 'us-east-1', accountId: '000000000000' },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  return { store, calls };
}

const conflict = Object.assign(new Error('conflict'), {
  code: 409,
  body: JSON.stringify({ reason: 'Conflict', message: 'the object has been modified' }),
});

describe('KubeFunctionStore.update', () => {
  it('retries a lost resourceVersion race from a fresh read', async () => {
    const { store, calls } = setup([conflict, fnResource('3', 'r3', 256)]);
    const seen: string[] = [];
    const out = await store.update('hello', (current: FunctionRecord) => {
      seen.push(current.revisionId);
      return { ...current, revisionId: 'r3', spec: { ...current.spec, memorySize: 256 } };
    });
    expect(calls).toEqual(['replace@1', 'get', 'replace@2']);
    expect(seen).toEqual(['r1', 'r2']);
    expect(out.spec.memorySize).toBe(256);
  });

  it("re-checks the caller's RevisionId after the race: 412 when it moved on", async () => {
    const { store } = setup([conflict]);
    const err = await store
      .update('hello', (current) => {
        assertRevision('r1', current.revisionId, 'function');
        return current;
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PreconditionFailedException', status: 412 });
  });
});
