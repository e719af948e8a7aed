/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; the fixtures are object literals. */
import type { V1Pod } from '@kubernetes/client-node';
import {
  LABELS,
  POOL_LABEL,
  RUNTIME_LABEL,
  SPECIALIZED_ANNOTATIONS,
  WORKER_CONTAINER,
  WORKER_PORT_NAME,
} from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { genericPodOf, isSpent } from './generic-pods.js';
import { relabelPatch } from './pod-labeler.js';
import { workerPodOf } from './worker-pods.js';

const HEX = 'cd'.repeat(32);

function pod(o: {
  pool: 'generic' | 'specialized';
  ready?: boolean;
  restarts?: number;
  restartsAt?: number;
  phase?: string;
}): V1Pod {
  return {
    metadata: {
      name: 'pool-nodejs22-abc',
      labels: {
        [POOL_LABEL]: o.pool,
        [RUNTIME_LABEL]: 'nodejs22.x',
        ...(o.pool === 'specialized' ? { [LABELS.function]: 'hello', [LABELS.version]: 'v3' } : {}),
      },
      annotations:
        o.pool === 'specialized'
          ? {
              [SPECIALIZED_ANNOTATIONS.functionName]: 'hello',
              [SPECIALIZED_ANNOTATIONS.version]: '3',
              [SPECIALIZED_ANNOTATIONS.codeSha256]: HEX,
              [SPECIALIZED_ANNOTATIONS.restarts]: String(o.restartsAt ?? 0),
            }
          : {},
    },
    spec: {
      containers: [
        { name: WORKER_CONTAINER, ports: [{ name: WORKER_PORT_NAME, containerPort: 8080 }] },
      ],
    },
    status: {
      phase: o.phase ?? 'Running',
      podIP: '10.1.2.3',
      conditions: [{ type: 'Ready', status: (o.ready ?? true) ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: WORKER_CONTAINER,
          restartCount: o.restarts ?? 0,
          image: 'x',
          imageID: 'x',
          ready: o.ready ?? true,
        },
      ],
    },
  };
}

describe('generic and specialised pods', () => {
  it('a ready generic pod is a claim candidate of its runtime, never a version pod', () => {
    const p = pod({ pool: 'generic' });
    expect(genericPodOf(p)).toEqual({
      name: 'pool-nodejs22-abc',
      ip: '10.1.2.3',
      port: 8080,
      runtime: 'nodejs22.x',
      restarts: 0,
    });
    expect(workerPodOf(p)).toBeUndefined();
    expect(genericPodOf(pod({ pool: 'generic', ready: false }))).toBeUndefined();
  });

  it('a specialised pod serves the version its annotations name, until its container restarts', () => {
    expect(workerPodOf(pod({ pool: 'specialized' }))).toMatchObject({
      functionName: 'hello',
      version: '3',
      codeSha256Hex: HEX,
      specialized: true,
    });
    expect(genericPodOf(pod({ pool: 'specialized' }))).toBeUndefined();
    expect(workerPodOf(pod({ pool: 'specialized', restarts: 2, restartsAt: 1 }))).toBeUndefined();
  });

  it('a specialised pod is spent when unready (expired) or restarted; a generic one never', () => {
    expect(isSpent(pod({ pool: 'specialized' }))).toBe(false);
    expect(isSpent(pod({ pool: 'specialized', ready: false }))).toBe(true);
    expect(isSpent(pod({ pool: 'specialized', restarts: 1 }))).toBe(true);
    expect(isSpent(pod({ pool: 'specialized', restarts: 1, restartsAt: 1 }))).toBe(false);
    expect(isSpent(pod({ pool: 'generic', ready: false }))).toBe(false);
  });

  it('the relabel patch applies only to a pod still generic and names the version', () => {
    const patch = relabelPatch(
      {
        pod: { name: 'p', ip: 'i', port: 1, runtime: 'nodejs22.x', restarts: 1 },
        functionName: 'hello',
        version: '$LATEST',
        codeSha256Hex: HEX,
      },
      true,
    );
    expect(patch[0]).toEqual({
      op: 'test',
      path: '/metadata/labels/lamina.dev~1pool',
      value: 'generic',
    });
    expect(patch).toContainEqual({
      op: 'replace',
      path: '/metadata/labels/lamina.dev~1pool',
      value: 'specialized',
    });
    expect(patch).toContainEqual({
      op: 'add',
      path: `/metadata/labels/${LABELS.version.replace('/', '~1')}`,
      value: 'latest',
    });
    expect(patch).toContainEqual({
      op: 'add',
      path: '/metadata/annotations/lamina.dev~1restarts-at-specialization',
      value: '1',
    });
  });
});
