/**
 * The cluster pool's provisioned concurrency (issue #15 item 5): a version's target is written
 * to its FunctionVersion's `spec.provisionedConcurrency`, where the operator makes it the worker
 * Deployment's floor and starts those pods as provisioned environments (init at start,
 * AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency). What is provisioned now is read
 * back from the pods: Ready provisioned pods of the version (a pod turns ready after its init),
 * and why its pods do not start — an image that cannot be pulled, a container that cannot be
 * created or keeps crashing, or a pod left unschedulable longer than `unschedulableMs`.
 *
 * Invariants: a write happens only when the resource says something else, one at a time per
 * version, in call order (several gateway replicas compute the same target from the same
 * resources, so their writes agree); 0 removes the field (the version is on-demand again); a
 * failed write is logged and left to the next change (it never fails a request); at start,
 * `sweep` puts every version's floor in line with the configs on the resources.
 */
import type { V1Pod } from '@kubernetes/client-node';
import {
  type FunctionVersionConfig,
  isVersionNumber,
  type ProvisionedConcurrencyRecord,
  type ProvisionedState,
} from '@lamina/core';
import {
  type FunctionVersionResource,
  type KubeLogger,
  PLURALS,
  PROVISIONED_INITIALIZATION,
  type RestartingInformer,
  WORKER_ENV,
} from '@lamina/kube';

import { podTarget, type WorkerPodSource } from '../pods/worker-pods.js';
import type { CustomObjects } from './custom-objects.js';
import { versionResourceName } from './version-mapping.js';

export interface KubeProvisioningOptions {
  readonly namespace: string;
  readonly versions: Pick<RestartingInformer<FunctionVersionResource>, 'get' | 'list'>;
  readonly objects: Pick<CustomObjects, 'mergePatch'>;
  /** Ready worker pods per version (the pool's pod watch). */
  readonly pods: Pick<WorkerPodSource, 'ready'>;
  /** Every worker pod, ready or not. */
  readonly allPods: () => readonly V1Pod[];
  /** A provisioned pod unschedulable this long is a failure; default 60 s. */
  readonly unschedulableMs?: number;
  readonly now?: () => number;
  readonly logger: KubeLogger;
}

/** Waiting reasons of a container that will not start without someone changing something. */
const STUCK = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
]);

/** Why this pod cannot become an environment, or undefined when nothing says it cannot. */
export function podFailure(pod: V1Pod, nowMs: number, unschedulableMs: number): string | undefined {
  const name = pod.metadata?.name ?? 'pod';
  for (const c of pod.status?.containerStatuses ?? []) {
    const waiting = c.state?.waiting;
    if (waiting?.reason !== undefined && STUCK.has(waiting.reason)) {
      return `worker pod ${name}: ${waiting.reason}${waiting.message === undefined ? '' : `: ${waiting.message}`}`;
    }
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    const since = scheduled.lastTransitionTime;
    const at = since === undefined ? nowMs : new Date(since).getTime();
    if (nowMs - at >= unschedulableMs) {
      return `worker pod ${name}: Unschedulable${scheduled.message === undefined ? '' : `: ${scheduled.message}`}`;
    }
  }
  return undefined;
}

export class KubeProvisioning {
  private readonly writes = new Map<string, Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly o: KubeProvisioningOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Sets the version's `spec.provisionedConcurrency` to `count` (0: removed). */
  provision(fn: Pick<FunctionVersionConfig, 'name' | 'version'>, count: number): void {
    const name = versionResourceName(fn.name, fn.version);
    const want = count > 0 ? count : undefined;
    const previous = this.writes.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const current = this.o.versions.get(name, this.o.namespace);
      if (current === undefined || current.spec.provisionedConcurrency === want) return;
      await this.o.objects.mergePatch(PLURALS.FunctionVersion, name, {
        spec: { provisionedConcurrency: want ?? null },
      });
      this.o.logger.info(
        { function: fn.name, version: fn.version, provisionedConcurrency: want ?? 0 },
        'provisioned concurrency of the version set',
      );
    });
    const settled = next.catch((err: unknown) => {
      this.o.logger.warn(
        { err, function: fn.name, version: fn.version },
        'could not set the provisioned concurrency of the version',
      );
    });
    this.writes.set(name, settled);
    void settled.finally(() => {
      if (this.writes.get(name) === settled) this.writes.delete(name);
    });
  }

  /**
   * At start: sets every version's floor to what the configs add up to (an alias's config
   * counts for its target version), so a floor whose config went while no gateway ran (an
   * alias deleted, an annotation removed by hand) goes back to on-demand.
   */
  sweep(
    configs: readonly ProvisionedConcurrencyRecord[],
    aliasTarget: (functionName: string, alias: string) => string | undefined,
  ): void {
    const want = new Map<string, number>();
    for (const r of configs) {
      const v = isVersionNumber(r.qualifier)
        ? r.qualifier
        : aliasTarget(r.functionName, r.qualifier);
      if (v === undefined || !isVersionNumber(v)) continue;
      const key = versionResourceName(r.functionName, v);
      want.set(key, (want.get(key) ?? 0) + r.requested);
    }
    for (const fv of this.o.versions.list(this.o.namespace)) {
      if (fv.metadata.deletionTimestamp !== undefined) continue;
      const expected = want.get(fv.metadata.name ?? '') ?? 0;
      if ((fv.spec.provisionedConcurrency ?? 0) !== expected) {
        this.provision({ name: fv.spec.functionName, version: fv.spec.version }, expected);
      }
    }
  }

  /** Provisioned pods of the version ready now, and why others cannot start, if they cannot. */
  provisioned(functionName: string, version: string): ProvisionedState {
    const ready = this.o.pods
      .ready(functionName, version)
      // The kubelet's Ready, not the agent's early word (agent-readiness.ts), as the status says.
      .filter((p) => p.provisioned === true && p.early !== true).length;
    const now = this.now();
    for (const pod of this.o.allPods()) {
      const target = podTarget(pod);
      if (target?.functionName !== functionName || target.version !== version) continue;
      if (target.env.get(WORKER_ENV.initializationType) !== PROVISIONED_INITIALIZATION) continue;
      if (pod.metadata?.deletionTimestamp !== undefined) continue;
      const failure = podFailure(pod, now, this.o.unschedulableMs ?? 60_000);
      if (failure !== undefined) return { ready, failure };
    }
    return { ready };
  }
}
