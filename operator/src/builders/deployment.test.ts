/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import { functionSpecSchema } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../config.js';
import {
  ANNOTATIONS,
  buildWorkerDeployment,
  workerImage,
  type WorkerDeploymentInput,
} from './deployment.js';
import { workerResources } from './resources.js';

const worker = loadConfig({}).worker;
const owner = {
  apiVersion: 'lamina.dev/v1alpha1',
  kind: 'Function',
  name: 'hello',
  uid: 'u1',
  controller: true,
};

function input(spec: object, more: Partial<WorkerDeploymentInput> = {}): WorkerDeploymentInput {
  return {
    namespace: 'team-a',
    functionName: 'hello',
    version: '$LATEST',
    spec: functionSpecSchema.parse({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      code: { sha256: 'a'.repeat(64) },
      ...spec,
    }),
    owner,
    secretName: 'hello-env',
    environmentHash: 'h1',
    replicas: 1,
    worker,
    ...more,
  };
}

describe('buildWorkerDeployment', () => {
  it('locks the pod down', () => {
    const d = buildWorkerDeployment(input({}));
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(d.metadata!.ownerReferences).toEqual([owner]);
    expect(d.metadata!.name).toBe('hello-latest');
  });

  it('sizes /tmp from ephemeral storage and resources from memory', () => {
    const d = buildWorkerDeployment(input({ memorySize: 1769, ephemeralStorage: { size: 2048 } }));
    const pod = d.spec!.template.spec!;
    expect(pod.volumes!.find((v) => v.name === 'tmp')!.emptyDir).toEqual({ sizeLimit: '2048Mi' });
    expect(pod.containers[0]!.resources).toEqual({
      requests: { cpu: '1000m', memory: '1833Mi' },
      limits: { cpu: '1000m', memory: '1833Mi' },
    });
  });

  it('gives CPU in proportion to memory', () => {
    expect(workerResources(128, 0).limits).toEqual({ cpu: '73m', memory: '128Mi' });
    expect(workerResources(10240, 0).limits!['cpu']).toBe('5789m');
  });

  it('pins worker images and honours container-image functions', () => {
    expect(workerImage(input({}).spec, worker)).toBe('lamina/worker-nodejs22:0.1.0');
    expect(workerImage(input({ runtime: 'python3.12' }).spec, worker)).toBe(
      'lamina/worker-python3.12:0.1.0',
    );
    const img = input({ runtime: undefined, handler: undefined, code: { image: 'reg/fn:1' } });
    expect(workerImage(img.spec, worker)).toBe('reg/fn:1');
  });

  it('projects plain and referenced variables into one read-only directory', () => {
    const d = buildWorkerDeployment(
      input({
        environment: {
          variables: { A: '1' },
          valueFrom: { DB: { secretKeyRef: { name: 'db', key: 'pw' } } },
        },
      }),
    );
    const env = d.spec!.template.spec!.volumes!.find((v) => v.name === 'environment')!;
    expect(env.projected!.sources).toEqual([
      { secret: { name: 'hello-env' } },
      { secret: { name: 'db', items: [{ key: 'pw', path: 'DB' }] } },
    ]);
  });

  it('is pure, and a new environment rolls the pods', () => {
    const a = buildWorkerDeployment(input({}));
    expect(buildWorkerDeployment(input({}))).toEqual(a);
    const b = buildWorkerDeployment(input({}, { environmentHash: 'h2' }));
    const ann = (d: typeof a) => d.spec!.template.metadata!.annotations![ANNOTATIONS.configHash];
    expect(ann(b)).not.toBe(ann(a));
    expect(b.metadata!.annotations![ANNOTATIONS.specHash]).not.toBe(
      a.metadata!.annotations![ANNOTATIONS.specHash],
    );
  });
});
