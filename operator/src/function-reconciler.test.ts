/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are data-only classes; fakes use plain objects like its examples. */
import type { V1Deployment, V1Secret } from '@kubernetes/client-node';
import {
  functionSpecSchema,
  type FunctionResource,
  type FunctionVersionResource,
} from '@lamina/kube';
import { describe, expect, it, vi } from 'vitest';

import { loadConfig } from './config.js';
import { FUNCTION_FINALIZER } from './finalizer.js';
import { FunctionReconciler } from './function-reconciler.js';
import { Cache, FakeWriter } from './test-support/fake-cluster.js';

function setup(spec: object, meta: Partial<FunctionResource['metadata']> = {}) {
  const functions = new Cache<FunctionResource>();
  const fn: FunctionResource = {
    apiVersion: 'lamina.dev/v1alpha1',
    kind: 'Function',
    metadata: {
      name: 'hello',
      namespace: 'ns',
      uid: 'u-1',
      generation: 1,
      resourceVersion: '5',
      ...meta,
    },
    spec: functionSpecSchema.parse({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      code: { sha256: 'e'.repeat(64) },
      ...spec,
    }),
  };
  functions.put(fn);
  const writer = new FakeWriter();
  const events = { emit: vi.fn() };
  const hooks = [{ name: 'redis', cleanup: vi.fn(() => Promise.resolve()) }];
  const deployments = new Cache<V1Deployment>();
  const secrets = new Cache<V1Secret>();
  const r = new FunctionReconciler({
    functions,
    versions: new Cache<FunctionVersionResource>(),
    deployments,
    secrets,
    writer,
    events,
    hooks,
    worker: loadConfig({}).worker,
    logger: { info: vi.fn(), warn: vi.fn() },
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
  return { r, fn, writer, events, hooks, deployments, secrets };
}

describe('FunctionReconciler', () => {
  it('adds the finalizer, applies Secret and Deployment, writes status and events', async () => {
    const { r, writer, events } = setup({ environment: { variables: { AB: 'c' } } });
    await r.reconcile('ns/hello');
    expect(writer.finalizers).toEqual([FUNCTION_FINALIZER]);
    expect(writer.applied.map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`)).toEqual([
      'Secret/hello-env',
      'Deployment/hello-latest',
    ]);
    expect(writer.statuses[0]).toMatchObject({
      state: 'Pending',
      lastUpdateStatus: 'InProgress',
      observedGeneration: 1,
    });
    expect(events.emit).toHaveBeenCalledWith(
      expect.anything(),
      'Normal',
      'Created',
      expect.stringContaining('hello-latest'),
    );
  });

  it('applies nothing when the cache already holds the desired objects', async () => {
    const { r, writer, deployments, secrets } = setup({});
    await r.reconcile('ns/hello');
    for (const o of writer.applied) {
      if (o.kind === 'Deployment') deployments.put(o);
      else secrets.put(o);
    }
    writer.applied.length = 0;
    await r.reconcile('ns/hello');
    expect(writer.applied).toEqual([]);
  });

  it('reports what core refuses as Failed, with a Warning, and does not throw (no retry)', async () => {
    const { r, writer, events } = setup({ environment: { variables: { AWS_REGION: 'x' } } });
    await r.reconcile('ns/hello');
    expect(writer.applied).toEqual([]);
    expect(writer.statuses[0]).toMatchObject({
      state: 'Failed',
      stateReasonCode: 'InvalidParameterValueException',
    });
    expect(events.emit).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'InvalidParameterValueException',
      expect.stringContaining('AWS_REGION'),
    );
  });

  it('refuses a local-mode code.path in a cluster, saying what to use instead', async () => {
    const { r, writer } = setup({ code: { path: './fn' } });
    await r.reconcile('ns/hello');
    expect(writer.applied).toEqual([]);
    expect(writer.statuses[0]).toMatchObject({
      state: 'Failed',
      stateReason: expect.stringContaining('code.sha256'),
    });
  });

  it('shows an apply failure in status and asks the queue for a retry with backoff', async () => {
    const { r, writer, events } = setup({});
    writer.failApply = new Error('admission webhook said no');
    expect(await r.reconcile('ns/hello')).toEqual({
      retry: { reason: 'ApplyFailed', message: 'admission webhook said no' },
    });
    expect(events.emit).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'ApplyFailed',
      'admission webhook said no',
    );
    expect(writer.statuses[0]).toMatchObject({
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: 'admission webhook said no',
    });
  });

  it('runs the finalizer hooks, then removes its finalizer, on deletion', async () => {
    const { r, writer, hooks } = setup(
      {},
      { deletionTimestamp: new Date(), finalizers: [FUNCTION_FINALIZER, 'other'] },
    );
    await r.reconcile('ns/hello');
    expect(hooks[0]!.cleanup).toHaveBeenCalledOnce();
    expect(writer.finalizers).toEqual(['other']);
    expect(writer.applied).toEqual([]);
  });

  it('does nothing for a Function that is gone', async () => {
    const { r, writer } = setup({});
    await r.reconcile('ns/other');
    expect(writer.applied).toEqual([]);
    expect(writer.statuses).toEqual([]);
  });
});
