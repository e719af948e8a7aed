/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models are data-only classes; fakes use plain objects like its examples. */
import type { V1Deployment, V1Secret } from '@kubernetes/client-node';
import { functionSpecSchema, type FunctionVersionResource } from '@lamina/kube';
import { describe, expect, it, vi } from 'vitest';

import { loadConfig } from './config.js';
import { Cache, FakeWriter } from './test-support/fake-cluster.js';
import {
  describeApiError,
  replicasToApply,
  WorkerApplier,
  type WorkerTarget,
} from './worker-applier.js';

const owner: FunctionVersionResource = {
  apiVersion: 'lamina.dev/v1alpha1',
  kind: 'FunctionVersion',
  metadata: { name: 'hello-v3', namespace: 'ns', uid: 'u-3', generation: 1 },
  spec: {
    functionName: 'hello',
    version: '3',
    function: functionSpecSchema.parse({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      code: { sha256: 'e'.repeat(64) },
    }),
  },
};

function setup(env: Record<string, string> = {}) {
  const deployments = new Cache<V1Deployment>();
  const secrets = new Cache<V1Secret>();
  const writer = new FakeWriter();
  const events = { emit: vi.fn() };
  const applier = new WorkerApplier({
    deployments,
    secrets,
    writer,
    events,
    worker: loadConfig(env).worker,
    logger: { info: vi.fn() },
  });
  const target: WorkerTarget = {
    owner,
    namespace: 'ns',
    functionName: 'hello',
    version: '3',
    spec: owner.spec.function,
    secretName: 'hello-v3-env',
    deploymentName: 'hello-v3',
    replicas: 1,
  };
  return { applier, target, writer, events, deployments, secrets };
}

describe('WorkerApplier', () => {
  it("labels the pods with the Function's egress groups and warns about bad names", async () => {
    const { applier, target, writer, events } = setup();
    await applier.apply({ ...target, egress: 'redis, bad/name' });
    const d = writer.applied.find((o) => o.kind === 'Deployment') as V1Deployment;
    const labels = d.spec?.template.metadata?.labels ?? {};
    expect(labels['egress.lamina.dev/redis']).toBe('allow');
    expect(Object.keys(labels).filter((k) => k.startsWith('egress.'))).toHaveLength(1);
    expect(events.emit).toHaveBeenCalledWith(
      owner,
      'Warning',
      'EgressGroupInvalid',
      'not a label name: bad/name',
    );
  });

  it('applies the Secret and the Deployment, then nothing while the cache holds them', async () => {
    const { applier, target, writer, events, deployments, secrets } = setup();
    const first = await applier.apply(target);
    expect(first.error).toBeUndefined();
    expect(writer.applied.map((o) => `${o.kind ?? ''}/${o.metadata?.name ?? ''}`)).toEqual([
      'Secret/hello-v3-env',
      'Deployment/hello-v3',
    ]);
    expect(events.emit).toHaveBeenCalledWith(
      owner,
      'Normal',
      'Created',
      'Created Deployment hello-v3 for generation 1',
    );
    for (const o of writer.applied) {
      if (o.kind === 'Deployment') deployments.put(o);
      else secrets.put(o);
    }
    writer.applied.length = 0;
    expect((await applier.apply(target)).deployment?.metadata?.name).toBe('hello-v3');
    expect(writer.applied).toEqual([]);
  });

  it('with the autoscaler on, sets replicas at creation only and leaves them to it after', async () => {
    const { applier, target, writer, deployments, secrets } = setup({
      LAMINA_AUTOSCALER: 'true',
      LAMINA_REDIS_URL: 'redis://r:6379',
    });
    await applier.apply({ ...target, replicas: 0 });
    const created = writer.applied.find((o) => o.kind === 'Deployment') as V1Deployment;
    expect(created.spec?.replicas).toBe(0);
    for (const o of writer.applied) {
      if (o.kind === 'Deployment') deployments.put(o);
      else secrets.put(o);
    }
    writer.applied.length = 0;
    // The autoscaler scaled it to 4: the same spec writes nothing.
    const scaled = structuredClone(created);
    scaled.spec!.replicas = 4;
    deployments.put(scaled);
    await applier.apply({ ...target, replicas: 0 });
    expect(writer.applied).toEqual([]);
    // A changed spec rolls the pods but leaves the replicas alone.
    await applier.apply({ ...target, replicas: 0, spec: { ...target.spec, timeout: 9 } });
    const rolled = writer.applied.find((o) => o.kind === 'Deployment') as V1Deployment;
    expect(rolled.spec).not.toHaveProperty('replicas');
  });

  it('keeps replicas in the apply while its own apply still owns them (else they would reset)', () => {
    const owning = (manager: string, operation: string): V1Deployment => ({
      metadata: {
        managedFields: [{ manager, operation, fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
      },
      spec: { replicas: 3, selector: {}, template: {} },
    });
    expect(replicasToApply(undefined, 2)).toBe(2);
    expect(replicasToApply(owning('lamina-operator', 'Apply'), 0)).toBe(3);
    expect(replicasToApply(owning('lamina-autoscaler', 'Update'), 0)).toBeUndefined();
  });

  it('never throws: a refused write is an ApplyFailed problem with the API server message', async () => {
    const { applier, target, writer, events } = setup();
    writer.failApply = Object.assign(new Error('HTTP-Code: 422'), {
      body: JSON.stringify({ kind: 'Status', message: 'spec.replicas: Invalid value' }),
    });
    expect(await applier.apply(target)).toEqual({
      deployment: undefined,
      error: { reason: 'ApplyFailed', message: 'spec.replicas: Invalid value' },
    });
    expect(events.emit).toHaveBeenCalledWith(
      owner,
      'Warning',
      'ApplyFailed',
      'spec.replicas: Invalid value',
    );
  });
});

describe('describeApiError', () => {
  it('prefers the Status message, then a text body, then the error message', () => {
    const withBody = (body: string) => Object.assign(new Error('HTTP-Code: 500'), { body });
    expect(describeApiError(withBody('{"message":"quota exceeded"}'))).toBe('quota exceeded');
    expect(describeApiError(withBody('gateway timeout'))).toBe('gateway timeout');
    expect(describeApiError(new Error('ECONNRESET'))).toBe('ECONNRESET');
    expect(describeApiError('x')).toBe('x');
  });
});
