/**
 * The gateway's view of pre-warmed generic worker pods (issue #15 item 3, ADR 0019): ready pods
 * labelled `pool=generic`, per runtime, for the warm pool to claim; and which specialised pods
 * can no longer serve (their agent expired or restarted), for the gateway to delete.
 *
 * Invariants: pure reads of the pod object; a pod is a claim candidate only while Ready, with an
 * IP and not being deleted; a specialised pod is done once it is unready after having been
 * specialised, or its container restarted since (a restart makes its agent generic again, so
 * it would refuse the version it is labelled with).
 */
import type { V1Pod } from '@kubernetes/client-node';
import {
  POOL_GENERIC,
  POOL_LABEL,
  POOL_MEMORY_ANNOTATION,
  POOL_SPECIALIZED,
  RUNTIME_LABEL,
  SPECIALIZED_ANNOTATIONS,
  WORKER_CONTAINER,
  WORKER_PORT_NAME,
} from '@lamina/kube';

/** A ready generic pod that a cold call may claim. */
export interface GenericPod {
  readonly name: string;
  readonly ip: string;
  readonly port: number | undefined;
  readonly runtime: string;
  /** The worker container's restarts so far (recorded on the pod when it is specialised). */
  readonly restarts: number;
  /** The pod's memory (MiB): only functions with at most this MemorySize fit; absent: any. */
  readonly memoryMb?: number;
}

const isReady = (pod: V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

const workerContainer = (pod: V1Pod) =>
  pod.spec?.containers.find((c) => c.name === WORKER_CONTAINER) ?? pod.spec?.containers[0];

/** The worker container's restart count. */
export function restartsOf(pod: V1Pod): number {
  const status = pod.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER);
  return status?.restartCount ?? 0;
}

/** The claimable generic pod, or undefined (not generic, not ready, no IP, being deleted). */
export function genericPodOf(pod: V1Pod): GenericPod | undefined {
  const { metadata, status } = pod;
  const labels = metadata?.labels ?? {};
  if (labels[POOL_LABEL] !== POOL_GENERIC) return undefined;
  const name = metadata?.name;
  const ip = status?.podIP;
  const runtime = labels[RUNTIME_LABEL];
  if (name === undefined || ip === undefined || ip === '' || runtime === undefined)
    return undefined;
  if (metadata?.deletionTimestamp !== undefined || !isReady(pod)) return undefined;
  const port = workerContainer(pod)?.ports?.find((p) => p.name === WORKER_PORT_NAME)?.containerPort;
  const memoryMb = Number(metadata?.annotations?.[POOL_MEMORY_ANNOTATION] ?? Number.NaN);
  return {
    name,
    ip,
    port,
    runtime,
    restarts: restartsOf(pod),
    ...(Number.isFinite(memoryMb) ? { memoryMb } : {}),
  };
}

/** A specialised pod that can no longer serve its version: delete it (nothing else will). */
export function isSpent(pod: V1Pod): boolean {
  const { metadata } = pod;
  if (metadata?.labels?.[POOL_LABEL] !== POOL_SPECIALIZED) return false;
  if (metadata.deletionTimestamp !== undefined) return false;
  const at = Number(metadata.annotations?.[SPECIALIZED_ANNOTATIONS.restarts] ?? '0');
  if (restartsOf(pod) > at) return true;
  // Unready before the kubelet ever saw it ready is impossible here: it was a ready generic pod.
  return pod.status?.phase !== 'Pending' && !isReady(pod);
}

/** Ready generic pods per runtime; the pod watch feeds it. */
export class GenericPodIndex {
  private readonly byName = new Map<string, GenericPod>();

  /** Adds, replaces or (undefined) removes the pod `name`. */
  set(name: string, pod: GenericPod | undefined): void {
    if (pod === undefined) this.byName.delete(name);
    else this.byName.set(name, pod);
  }

  replaceAll(pods: readonly GenericPod[]): void {
    this.byName.clear();
    for (const p of pods) this.byName.set(p.name, p);
  }

  /** Ready generic pods of a runtime, in name order. */
  ready(runtime: string): readonly GenericPod[] {
    return [...this.byName.values()]
      .filter((p) => p.runtime === runtime)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Ready generic pods per runtime (the gauge). */
  perRuntime(): ReadonlyMap<string, number> {
    const counts = new Map<string, number>();
    for (const p of this.byName.values()) counts.set(p.runtime, (counts.get(p.runtime) ?? 0) + 1);
    return counts;
  }
}
