/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type { V1Deployment } from '@kubernetes/client-node';
import type {
  Condition,
  FunctionResourceSpec,
  FunctionResourceStatus,
  FunctionState,
  LastUpdateStatus,
} from '@lamina/kube';

export interface Problem {
  /** CamelCase reason, e.g. InvalidConfiguration, ApplyFailed. */
  readonly reason: string;
  readonly message: string;
}

export interface FunctionObservation {
  readonly generation: number;
  readonly spec: FunctionResourceSpec;
  readonly deploymentName: string;
  /** The worker Deployment of $LATEST as the cache shows it, if any. */
  readonly deployment: V1Deployment | undefined;
  readonly desiredReplicas: number;
  /**
   * The autoscaler sets the replicas (ADR 0017): replicas that demand adds or removes are not an
   * update in progress (`rolloutOf`).
   */
  readonly autoscaled?: boolean;
  /** The spec cannot work (a person must change it): state Failed, no retry. */
  readonly invalid?: Problem;
  /** Applying failed; the queue retries with backoff. */
  readonly error?: Problem;
  readonly latestVersion?: string;
  readonly now: Date;
}

interface Rollout {
  readonly ready: number;
  readonly done: boolean;
  /** Why the Deployment controller gave up (progress deadline, pods refused), if it did. */
  readonly failure?: string;
}

/**
 * Whether the Deployment controller has rolled out the current template to every replica. With
 * the autoscaler, or once the function's current generation has rolled out (`scaling`), replicas
 * come and go with demand or with restarts: an update is done once no replica runs an older
 * template, however many are still starting, so a burst or a crashed pod never shows as an update
 * in progress (which would refuse UpdateFunctionConfiguration with 409, as AWS never does).
 */
export function rolloutOf(d: V1Deployment | undefined, desired: number, scaling = false): Rollout {
  if (d === undefined) return { ready: 0, done: false };
  const st = d.status ?? {};
  const stuck = st.conditions?.find(
    (c) =>
      (c.type === 'Progressing' &&
        c.status === 'False' &&
        c.reason === 'ProgressDeadlineExceeded') ||
      (c.type === 'ReplicaFailure' && c.status === 'True'),
  );
  const observed = (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
  const updated = st.updatedReplicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const total = st.replicas ?? 0;
  const done = scaling
    ? observed && updated >= total
    : observed && updated >= desired && available >= desired && total <= desired;
  return {
    ready: st.readyReplicas ?? 0,
    done,
    ...(stuck === undefined ? {} : { failure: stuck.message ?? stuck.reason ?? stuck.type }),
  };
}

/** RFC 3339 without fractions, as metav1.Time serialises. */
const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function condition(
  previous: readonly Condition[] | undefined,
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  generation: number,
  now: Date,
): Condition {
  const old = previous?.find((c) => c.type === type);
  const lastTransitionTime = old?.status === status ? old.lastTransitionTime : isoSeconds(now);
  return { type, status, observedGeneration: generation, lastTransitionTime, reason, message };
}

/**
 * The status of a Function from what the reconciler observed. Pure; keeps condition transition
 * times when a condition's status did not change, so an unchanged world writes nothing.
 *
 * As Lambda's state machine (ADR 0033, 0057): Pending until the first environment serves, then
 * Active for good — an environment that crashes or is replaced (its pod not ready while the
 * kubelet restarts it) leaves the function Active, and the gateway holds a call for the new one
 * as for a cold start. An update is only LastUpdateStatus InProgress (then Successful or Failed);
 * only a spec that cannot work makes the function Failed. Once an update of this generation
 * rolled out, pods coming and going do not make it InProgress again: only an older template
 * still running does.
 */
export function computeFunctionStatus(
  previous: FunctionResourceStatus | undefined,
  obs: FunctionObservation,
): FunctionResourceStatus {
  const rolledOut =
    previous?.observedGeneration === obs.generation && previous.lastUpdateStatus === 'Successful';
  const rollout = rolloutOf(
    obs.deployment,
    obs.desiredReplicas,
    obs.autoscaled === true || rolledOut,
  );
  let state: FunctionState;
  let update: LastUpdateStatus;
  let stateReason: string;
  let stateReasonCode: string | undefined;
  let updateReason: string | undefined;

  if (obs.invalid) {
    state = 'Failed';
    update = 'Failed';
    stateReason = obs.invalid.message;
    stateReasonCode = obs.invalid.reason;
    updateReason = obs.invalid.message;
  } else {
    const serving = obs.desiredReplicas === 0 ? rollout.done : rollout.ready > 0;
    state = serving || previous?.state === 'Active' ? 'Active' : 'Pending';
    stateReason =
      state === 'Active'
        ? 'The function is ready to be invoked.'
        : 'Waiting for execution environments to become ready.';
    stateReasonCode = state === 'Active' ? undefined : 'Creating';
    if (obs.error) {
      update = 'Failed';
      updateReason = obs.error.message;
    } else if (rollout.failure !== undefined && !rollout.done) {
      update = 'Failed';
      updateReason = rollout.failure;
    } else {
      update = rollout.done ? 'Successful' : 'InProgress';
    }
  }

  const reconciled = obs.error ?? obs.invalid;
  const conditions: Condition[] = [
    condition(
      previous?.conditions,
      'Ready',
      state === 'Active' ? 'True' : 'False',
      state === 'Active' ? 'Active' : (stateReasonCode ?? state),
      stateReason,
      obs.generation,
      obs.now,
    ),
    condition(
      previous?.conditions,
      'Reconciled',
      reconciled ? 'False' : 'True',
      reconciled ? reconciled.reason : 'Applied',
      reconciled ? reconciled.message : 'Deployment and Secret match the spec.',
      obs.generation,
      obs.now,
    ),
  ];

  const codeSha256 = obs.spec.code.sha256 ?? previous?.codeSha256;
  const latestVersion = obs.latestVersion ?? previous?.latestVersion;
  return {
    observedGeneration: obs.generation,
    state,
    stateReason,
    ...(stateReasonCode === undefined ? {} : { stateReasonCode }),
    lastUpdateStatus: update,
    ...(updateReason === undefined ? {} : { lastUpdateStatusReason: updateReason }),
    lastModified:
      previous?.observedGeneration === obs.generation && previous.lastModified !== undefined
        ? previous.lastModified
        : isoSeconds(obs.now),
    ...(codeSha256 === undefined ? {} : { codeSha256 }),
    ...(latestVersion === undefined ? {} : { latestVersion }),
    desiredEnvironments: obs.desiredReplicas,
    readyEnvironments: rollout.ready,
    deploymentName: obs.deploymentName,
    conditions,
  };
}
