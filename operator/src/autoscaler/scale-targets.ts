/**
 * What the autoscaler may scale: one target per function version whose worker Deployment
 * exists, with what the decision needs from the custom resources — provisioned concurrency
 * (the version's own snapshot; the Function's for `$LATEST`), the Function's reserved
 * concurrency and idle window. Pure: built from informer caches passed in.
 *
 * Invariants: a Function or version being deleted is no target (its environments go with it);
 * the demand key is exactly the one the reporters write (`encodeDemandTarget`); Events go to the
 * Function or FunctionVersion, where `kubectl describe` shows them.
 */
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { type DemandTarget, encodeDemandTarget } from '@lamina/core';
import type { FunctionResource, FunctionVersionResource, VersionLabel } from '@lamina/kube';

import { workerDeploymentName } from '../builders/names.js';
import { provisionedFloor } from '../builders/provisioned.js';

/** On a Function: its idle window in seconds, overriding `LAMINA_SCALE_TO_ZERO_SECONDS`. */
export const IDLE_WINDOW_ANNOTATION = 'lamina.dev/idle-window-seconds';

export interface ScaleTarget {
  /** The demand key, `namespace/function/version`. */
  readonly key: string;
  readonly target: DemandTarget;
  readonly deploymentName: string;
  /** Replicas the Deployment asks for now. */
  readonly current: number;
  readonly ready: number;
  /** Pods created and not ready yet (metrics only; 0 when unknown). */
  readonly starting?: number;
  readonly provisioned: number;
  readonly reserved: number | undefined;
  readonly idleWindowMs: number;
  /** Where Events about its scaling go. */
  readonly owner: KubernetesObject;
}

export interface ScaleTargetSources {
  readonly functions: readonly FunctionResource[];
  readonly versions: readonly FunctionVersionResource[];
  readonly deployment: (namespace: string, name: string) => V1Deployment | undefined;
  readonly defaultIdleWindowMs: number;
}

function idleWindowOf(fn: FunctionResource, fallbackMs: number): number {
  const text = fn.metadata.annotations?.[IDLE_WINDOW_ANNOTATION];
  if (text === undefined || !/^\d{1,6}$/.test(text.trim())) return fallbackMs;
  return Number(text.trim()) * 1000;
}

export function scaleTargetsOf(s: ScaleTargetSources): ScaleTarget[] {
  const byName = new Map<string, FunctionResource>();
  for (const fn of s.functions) {
    if (fn.metadata.deletionTimestamp !== undefined) continue;
    byName.set(`${fn.metadata.namespace ?? ''}/${fn.metadata.name ?? ''}`, fn);
  }
  const out: ScaleTarget[] = [];
  const add = (
    fn: FunctionResource,
    version: VersionLabel,
    provisioned: number | undefined,
    owner: KubernetesObject,
  ): void => {
    const namespace = fn.metadata.namespace ?? '';
    const functionName = fn.metadata.name ?? '';
    const deploymentName = workerDeploymentName(functionName, version);
    const d = s.deployment(namespace, deploymentName);
    if (d === undefined || d.metadata?.deletionTimestamp !== undefined) return;
    const target = { namespace, functionName, version };
    out.push({
      key: encodeDemandTarget(target),
      target,
      deploymentName,
      current: d.spec?.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
      starting: Math.max(0, (d.status?.replicas ?? 0) - (d.status?.readyReplicas ?? 0)),
      provisioned: provisioned ?? 0,
      reserved: fn.spec.reservedConcurrency,
      idleWindowMs: idleWindowOf(fn, s.defaultIdleWindowMs),
      owner,
    });
  };
  for (const fn of byName.values()) {
    add(fn, '$LATEST', fn.spec.provisionedConcurrency, fn);
  }
  for (const fv of s.versions) {
    if (fv.metadata.deletionTimestamp !== undefined) continue;
    const fn = byName.get(`${fv.metadata.namespace ?? ''}/${fv.spec.functionName}`);
    if (fn === undefined) continue;
    add(fn, fv.spec.version as VersionLabel, provisionedFloor(fv), fv);
  }
  return out;
}
