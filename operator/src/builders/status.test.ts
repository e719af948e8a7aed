/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type { V1Deployment, V1DeploymentCondition } from '@kubernetes/client-node';
import { functionSpecSchema } from '@lamina/kube';
import { describe, expect, it } from 'vitest';

import { computeFunctionStatus, type FunctionObservation } from './status.js';

const spec = functionSpecSchema.parse({
  runtime: 'nodejs22.x',
  handler: 'i.h',
  code: { sha256: 'b'.repeat(64) },
});
const now = new Date('2026-01-01T00:00:00.000Z');
const deployment = (ready: number, updated = ready): V1Deployment => ({
  metadata: { generation: 2 },
  status: {
    observedGeneration: 2,
    readyReplicas: ready,
    availableReplicas: ready,
    updatedReplicas: updated,
    replicas: updated,
  },
});
/** Observed at `generation`: `ready` of `replicas` pods, `updated` of them on the current template. */
const observed = (
  generation: number,
  ready: number,
  updated: number,
  replicas: number,
  conditions?: V1DeploymentCondition[],
): V1Deployment => ({
  metadata: { generation },
  status: {
    observedGeneration: generation,
    readyReplicas: ready,
    availableReplicas: ready,
    updatedReplicas: updated,
    replicas,
    ...(conditions === undefined ? {} : { conditions }),
  },
});
const obs = (more: Partial<FunctionObservation>): FunctionObservation => ({
  generation: 1,
  spec,
  deploymentName: 'f-latest',
  deployment: undefined,
  desiredReplicas: 1,
  now,
  ...more,
});

describe('computeFunctionStatus', () => {
  it('is Pending/InProgress until an environment is ready, then Active/Successful', () => {
    const pending = computeFunctionStatus(undefined, obs({ deployment: deployment(0) }));
    expect(pending).toMatchObject({
      state: 'Pending',
      lastUpdateStatus: 'InProgress',
      readyEnvironments: 0,
      observedGeneration: 1,
      codeSha256: 'b'.repeat(64),
    });
    const active = computeFunctionStatus(
      pending,
      obs({ deployment: deployment(1), now: new Date('2026-01-01T00:01:00Z') }),
    );
    expect(active).toMatchObject({
      state: 'Active',
      lastUpdateStatus: 'Successful',
      readyEnvironments: 1,
    });
    expect(active.conditions!.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'True',
      observedGeneration: 1,
      lastTransitionTime: '2026-01-01T00:01:00Z',
    });
  });

  it('keeps an update Successful while the autoscaler adds environments (scaling is not an update)', () => {
    const active = computeFunctionStatus(
      undefined,
      obs({ deployment: deployment(1), autoscaled: true, desiredReplicas: 1 }),
    );
    expect(active).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    // Demand asked for 3; 2 new pods of the same template are still starting.
    const starting: V1Deployment = {
      metadata: { generation: 2 },
      status: {
        observedGeneration: 2,
        readyReplicas: 1,
        availableReplicas: 1,
        updatedReplicas: 3,
        replicas: 3,
      },
    };
    const burst = computeFunctionStatus(
      active,
      obs({ deployment: starting, autoscaled: true, desiredReplicas: 3 }),
    );
    expect(burst).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    // A new template still beside the old one's replicas is an update in progress.
    const rolling: V1Deployment = {
      metadata: { generation: 3 },
      status: {
        observedGeneration: 3,
        readyReplicas: 1,
        availableReplicas: 1,
        updatedReplicas: 1,
        replicas: 3,
      },
    };
    const update = computeFunctionStatus(
      burst,
      obs({ deployment: rolling, autoscaled: true, desiredReplicas: 3, generation: 2 }),
    );
    expect(update).toMatchObject({ state: 'Active', lastUpdateStatus: 'InProgress' });
  });

  it('stays Active and Successful while its only pod restarts or is replaced (fixed replicas)', () => {
    const active = computeFunctionStatus(undefined, obs({ deployment: deployment(1) }));
    expect(active).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    // The container crashed: the kubelet restarts it, the pod is not ready meanwhile.
    const later = new Date('2026-01-01T00:05:00Z');
    const restarting = computeFunctionStatus(
      active,
      obs({ deployment: deployment(0, 1), now: later }),
    );
    expect(restarting).toMatchObject({
      state: 'Active',
      stateReason: 'The function is ready to be invoked.',
      lastUpdateStatus: 'Successful',
      readyEnvironments: 0,
    });
    expect(restarting.stateReasonCode).toBeUndefined();
    expect(restarting.conditions!.find((c) => c.type === 'Ready')).toEqual(
      active.conditions!.find((c) => c.type === 'Ready'),
    );
    // Deleted: its Deployment counts no pod until the replacement is created.
    const gone = computeFunctionStatus(
      restarting,
      obs({ deployment: deployment(0, 0), now: later }),
    );
    expect(gone).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    // Ready again: the status it had before the crash.
    expect(computeFunctionStatus(gone, obs({ deployment: deployment(1), now: later }))).toEqual(
      active,
    );
  });

  it('keeps an updated function Active while the new template rolls out, InProgress until it serves', () => {
    const active = computeFunctionStatus(undefined, obs({ deployment: deployment(1) }));
    // Generation 2: the new template's pod is starting, no pod of it is ready yet.
    const update = computeFunctionStatus(
      active,
      obs({ deployment: observed(3, 0, 1, 1), generation: 2 }),
    );
    expect(update).toMatchObject({
      state: 'Active',
      lastUpdateStatus: 'InProgress',
      observedGeneration: 2,
    });
    const done = computeFunctionStatus(update, obs({ deployment: deployment(1), generation: 2 }));
    expect(done).toMatchObject({ state: 'Active', lastUpdateStatus: 'Successful' });
    // A rollout the Deployment controller gave up on fails the update; the function stays Active.
    const stuck = observed(4, 1, 1, 2, [
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "f-latest-3" has timed out progressing.',
      },
    ]);
    expect(computeFunctionStatus(done, obs({ deployment: stuck, generation: 3 }))).toMatchObject({
      state: 'Active',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: 'ReplicaSet "f-latest-3" has timed out progressing.',
    });
  });

  it('shows an older template still running beside a rolled-out generation as InProgress', () => {
    const active = computeFunctionStatus(undefined, obs({ deployment: deployment(1) }));
    // The same generation, but a pod of another template is still there (not yet rolled).
    const mixed = observed(3, 1, 0, 1);
    expect(computeFunctionStatus(active, obs({ deployment: mixed }))).toMatchObject({
      state: 'Active',
      lastUpdateStatus: 'InProgress',
    });
  });

  it('becomes Failed from Active only when its spec cannot work', () => {
    const active = computeFunctionStatus(undefined, obs({ deployment: deployment(1) }));
    const invalid = computeFunctionStatus(
      active,
      obs({
        deployment: deployment(0),
        generation: 2,
        invalid: { reason: 'InvalidParameterValueException', message: 'reserved keys' },
      }),
    );
    expect(invalid).toMatchObject({ state: 'Failed', stateReason: 'reserved keys' });
  });

  it('is Active with zero replicas once rolled out (scale from zero)', () => {
    const s = computeFunctionStatus(
      undefined,
      obs({ desiredReplicas: 0, deployment: deployment(0, 0) }),
    );
    expect(s.state).toBe('Active');
  });

  it('reports an invalid spec as Failed and an apply error as a failed update', () => {
    const invalid = computeFunctionStatus(
      undefined,
      obs({ invalid: { reason: 'InvalidParameterValueException', message: 'reserved keys' } }),
    );
    expect(invalid).toMatchObject({
      state: 'Failed',
      lastUpdateStatus: 'Failed',
      stateReasonCode: 'InvalidParameterValueException',
    });
    const err = computeFunctionStatus(
      undefined,
      obs({ error: { reason: 'ApplyFailed', message: 'forbidden' } }),
    );
    expect(err).toMatchObject({
      state: 'Pending',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: 'forbidden',
    });
    expect(err.conditions!.find((c) => c.type === 'Reconciled')).toMatchObject({
      status: 'False',
      reason: 'ApplyFailed',
    });
  });

  it('shows a rollout the Deployment controller gave up on as a failed update', () => {
    const stuck: V1Deployment = {
      metadata: { generation: 1 },
      status: {
        observedGeneration: 1,
        replicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "f-latest-1" has timed out progressing.',
          },
        ],
      },
    };
    const s = computeFunctionStatus(undefined, obs({ deployment: stuck }));
    expect(s).toMatchObject({
      state: 'Pending',
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: 'ReplicaSet "f-latest-1" has timed out progressing.',
    });
  });

  it('writes the same status for the same world (no status churn)', () => {
    const a = computeFunctionStatus(undefined, obs({ deployment: deployment(1) }));
    const b = computeFunctionStatus(
      a,
      obs({ deployment: deployment(1), now: new Date('2026-02-01T00:00:00Z') }),
    );
    expect(b).toEqual(a);
  });
});
