/**
 * The state fields of a Function resource's record, as AWS words them (ADR 0033): "The function
 * is being created." (Creating) while Pending or while an update is InProgress, no reason once
 * Active, the operator's reason on a failure; and a key per settled state, so every transition
 * gives the function a new RevisionId.
 */
import {
  CREATING_REASON,
  CREATING_REASON_CODE,
  type FunctionRecord,
  type LastUpdateStatus,
} from '@lamina/core';
import type { FunctionResource } from '@lamina/kube';

/** A number per settled state, so each reached state gives its own RevisionId. */
export function stateKey(state: string, update: LastUpdateStatus): number {
  return (state === 'Active' ? 0 : state === 'Failed' ? 2 : 4) + (update === 'Failed' ? 1 : 0);
}

export function stateReasons(
  state: FunctionRecord['state'],
  status: FunctionResource['status'],
): Pick<FunctionRecord, 'stateReason' | 'stateReasonCode'> {
  if (state === 'Pending')
    return { stateReason: CREATING_REASON, stateReasonCode: CREATING_REASON_CODE };
  if (state === 'Active') return {};
  return {
    ...(status?.stateReason === undefined ? {} : { stateReason: status.stateReason }),
    ...(status?.stateReasonCode === undefined ? {} : { stateReasonCode: status.stateReasonCode }),
  };
}

export function updateReasons(
  update: LastUpdateStatus,
  status: FunctionResource['status'],
): Pick<FunctionRecord, 'lastUpdateStatusReason' | 'lastUpdateStatusReasonCode'> {
  if (update === 'InProgress') {
    return {
      lastUpdateStatusReason: CREATING_REASON,
      lastUpdateStatusReasonCode: CREATING_REASON_CODE,
    };
  }
  if (update === 'Successful') return {};
  const reason = status?.lastUpdateStatusReason;
  return {
    ...(reason === undefined ? {} : { lastUpdateStatusReason: reason }),
    lastUpdateStatusReasonCode: 'InternalError',
  };
}
