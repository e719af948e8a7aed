/**
 * The function state machine as Lambda runs it (issue #16, ADR 0033): CreateFunction leaves a
 * function `Pending` ("The function is being created.", `Creating`) until its code and
 * configuration are in place, then `Active` (or `Failed` with a reason); an update leaves
 * `LastUpdateStatus: InProgress` (Lambda gives the same reason text and code) until it is applied,
 * then `Successful` (or `Failed`). A second change while one is in progress is refused with
 * ResourceConflictException, in AWS's words.
 *
 * Invariants: pure — the modes decide *when* a transition happens (local mode once the code is in
 * place, cluster mode from what the operator reports), these functions only say what the record
 * looks like before and after; every transition is a change, so the stores give it a new RevisionId.
 */
import { ResourceConflictException } from './errors.js';
import type { FunctionRecord } from './function-record.js';
import { type ArnContext, functionArn } from './names.js';

/** Lambda's reason text for a create and for an update in progress (the same text for both). */
export const CREATING_REASON = 'The function is being created.';
export const CREATING_REASON_CODE = 'Creating';

type StateFields = Pick<
  FunctionRecord,
  | 'state'
  | 'stateReason'
  | 'stateReasonCode'
  | 'lastUpdateStatus'
  | 'lastUpdateStatusReason'
  | 'lastUpdateStatusReasonCode'
>;

/** The state of a function CreateFunction has just stored. */
export const PENDING_CREATE: StateFields = {
  state: 'Pending',
  stateReason: CREATING_REASON,
  stateReasonCode: CREATING_REASON_CODE,
  lastUpdateStatus: 'InProgress',
};

/** The state of a function an update has just changed (it stays invocable meanwhile). */
export const UPDATE_IN_PROGRESS: StateFields = {
  state: 'Active',
  lastUpdateStatus: 'InProgress',
  lastUpdateStatusReason: CREATING_REASON,
  lastUpdateStatusReasonCode: CREATING_REASON_CODE,
};

/** Active and up to date: Lambda shows no reasons then. */
export const SETTLED: StateFields = { state: 'Active', lastUpdateStatus: 'Successful' };

/** Whether a create or an update is still being applied. */
export function isTransitioning(record: Pick<FunctionRecord, 'state' | 'lastUpdateStatus'>) {
  return record.state === 'Pending' || record.lastUpdateStatus === 'InProgress';
}

/** `record` with its state fields replaced (the optional reasons dropped unless given). */
export function withState<T extends FunctionRecord>(record: T, fields: StateFields): T {
  const reasons: readonly string[] = REASONS;
  const kept = Object.entries(record).filter(([k]) => !reasons.includes(k));
  return { ...Object.fromEntries(kept), ...fields } as T;
}

const REASONS = [
  'stateReason',
  'stateReasonCode',
  'lastUpdateStatusReason',
  'lastUpdateStatusReasonCode',
] as const;

/**
 * The outcome of applying a create or an update: Active/Successful, or — when `failure` is
 * given — Failed with its reason (a failed create leaves the function Failed; a failed update
 * leaves it Active with LastUpdateStatus Failed).
 */
export function settledState(
  record: Pick<FunctionRecord, 'state'>,
  failure?: { readonly reason: string; readonly code: string },
): StateFields {
  if (failure === undefined) return SETTLED;
  if (record.state === 'Pending') {
    return {
      state: 'Failed',
      stateReason: failure.reason,
      stateReasonCode: failure.code,
      lastUpdateStatus: 'Failed',
      lastUpdateStatusReason: failure.reason,
      lastUpdateStatusReasonCode: failure.code,
    };
  }
  return {
    state: record.state,
    lastUpdateStatus: 'Failed',
    lastUpdateStatusReason: failure.reason,
    lastUpdateStatusReasonCode: failure.code,
  };
}

/**
 * Refuses a change while the function is being created or updated, with AWS's texts:
 * "… The function is currently in the following state: Pending" and "… An update is in progress
 * for resource: <arn>".
 */
export function assertNotTransitioning(ctx: ArnContext, record: FunctionRecord): void {
  if (record.state === 'Pending') {
    throw new ResourceConflictException(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
  }
  if (record.lastUpdateStatus === 'InProgress') {
    throw new ResourceConflictException(
      `The operation cannot be performed at this time. An update is in progress for resource: ${functionArn(ctx, record.spec.name)}`,
    );
  }
}
