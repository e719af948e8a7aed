import { isDeepStrictEqual } from 'node:util';

import type { ObjectCache, V1Deployment, V1Secret } from '@kubernetes/client-node';
import {
  EGRESS_ANNOTATION,
  SEALED_ENVIRONMENT_ANNOTATION,
  PLURALS,
  type FunctionResource,
  type FunctionVersionResource,
  type FunctionVersionResourceStatus,
  type ReconcileResult,
  type VersionLabel,
} from '@lamina/kube';

import type { WorkerConfig } from './config.js';
import { fitName, workerDeploymentName } from './builders/names.js';
import { provisionedFloor } from './builders/provisioned.js';
import { controllerReference } from './builders/owner.js';
import { computeFunctionStatus, type Problem } from './builders/status.js';
import type { ReconcilerLogger } from './function-reconciler.js';
import { splitKey } from './function-reconciler.js';
import type { EventSink } from './kube/event-recorder.js';
import { isNotFound, type ClusterWriter } from './kube/cluster-writer.js';
import { validateFunction } from './validate.js';
import { WorkerApplier } from './worker-applier.js';

export interface VersionReconcilerOptions {
  readonly functions: ObjectCache<FunctionResource>;
  readonly versions: ObjectCache<FunctionVersionResource>;
  readonly deployments: ObjectCache<V1Deployment>;
  readonly secrets: ObjectCache<V1Secret>;
  readonly writer: ClusterWriter;
  readonly events: EventSink;
  readonly worker: WorkerConfig;
  readonly logger: ReconcilerLogger;
  readonly now?: () => Date;
}

/**
 * Reconciles one FunctionVersion: its own worker Deployment `<function>-v<N>` and environment
 * Secret `<function>-v<N>-env`, both owned by the version (which is immutable, so they change
 * only when the operator's own builders do). A version whose Function exists is made a
 * dependent of it, so deleting the Function deletes its versions like Lambda's DeleteFunction.
 */
export class VersionReconciler {
  private readonly now: () => Date;
  private readonly applier: WorkerApplier;

  constructor(private readonly o: VersionReconcilerOptions) {
    this.now = o.now ?? (() => new Date());
    this.applier = new WorkerApplier(o);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const fv = this.o.versions.get(name, namespace);
    if (!fv || fv.metadata.deletionTimestamp !== undefined) return {};
    const functionName = fv.spec.functionName;
    const version = fv.spec.version as VersionLabel;
    const deploymentName = workerDeploymentName(functionName, version);
    await this.adopt(fv, namespace, name);

    const spec = fv.spec.function;
    const invalid = validateFunction(functionName, spec);
    const floor = provisionedFloor(fv);
    const replicas = floor ?? this.o.worker.minReplicas;
    let deployment = this.o.deployments.get(deploymentName, namespace);
    let error: Problem | undefined;
    if (!invalid) {
      ({ deployment, error } = await this.applier.apply({
        owner: fv,
        namespace,
        functionName,
        version,
        spec,
        secretName: fitName(`${deploymentName}-env`),
        deploymentName,
        replicas,
        provisioned: (floor ?? 0) > 0,
        // Egress is the platform's, not frozen with the version: the Function's current groups.
        egress: this.o.functions.get(functionName, namespace)?.metadata.annotations?.[
          EGRESS_ANNOTATION
        ],
        // Variables are the version's own: its snapshot names its Secret.
        sealedEnvironment: fv.metadata.annotations?.[SEALED_ENVIRONMENT_ANNOTATION],
      }));
    }
    const { autoscaled } = this.o.worker;
    const desiredReplicas = autoscaled ? (deployment?.spec?.replicas ?? replicas) : replicas;
    const previous = fv.status?.state === undefined ? undefined : { state: fv.status.state };
    const full = computeFunctionStatus(previous, {
      generation: fv.metadata.generation ?? 1,
      spec,
      deploymentName,
      deployment,
      desiredReplicas,
      autoscaled,
      ...(invalid ? { invalid } : {}),
      ...(error ? { error } : {}),
      now: this.now(),
    });
    const keep = (c: { type: string; status: string }) =>
      fv.status?.conditions?.find((p) => p.type === c.type && p.status === c.status);
    const status: FunctionVersionResourceStatus = {
      ...(full.observedGeneration === undefined
        ? {}
        : { observedGeneration: full.observedGeneration }),
      ...(full.state === undefined ? {} : { state: full.state }),
      ...(full.stateReason === undefined ? {} : { stateReason: full.stateReason }),
      desiredEnvironments: desiredReplicas,
      readyEnvironments: full.readyEnvironments ?? 0,
      deploymentName,
      conditions: (full.conditions ?? []).map((c) => keep(c) ?? c),
    };
    if (!isDeepStrictEqual(status, fv.status)) {
      try {
        await this.o.writer.patchStatus(PLURALS.FunctionVersion, namespace, name, status);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return error ? { retry: error } : {};
  }

  /** Adds the Function as owner of the version when it exists and is not there yet. */
  private async adopt(fv: FunctionVersionResource, namespace: string, name: string): Promise<void> {
    const fn = this.o.functions.get(fv.spec.functionName, namespace);
    const refs = fv.metadata.ownerReferences ?? [];
    if (!fn?.metadata.uid || refs.some((r) => r.uid === fn.metadata.uid)) return;
    const owner = controllerReference(fn, false);
    await this.o.writer.setOwnerReferences(
      PLURALS.FunctionVersion,
      namespace,
      name,
      [...refs, owner],
      fv.metadata.resourceVersion,
    );
  }
}
