import { isDeepStrictEqual } from 'node:util';

import type { ObjectCache, V1Deployment, V1Secret } from '@kubernetes/client-node';
import {
  EGRESS_ANNOTATION,
  SEALED_ENVIRONMENT_ANNOTATION,
  PLURALS,
  type FunctionResource,
  type FunctionVersionResource,
  type ReconcileResult,
} from '@lamina/kube';

import type { WorkerConfig } from './config.js';
import { environmentSecretName, workerDeploymentName } from './builders/names.js';
import { computeFunctionStatus, type Problem } from './builders/status.js';
import { FUNCTION_FINALIZER, type FinalizerHook } from './finalizer.js';
import type { EventSink } from './kube/event-recorder.js';
import { isNotFound, type ClusterWriter } from './kube/cluster-writer.js';
import { validateFunction } from './validate.js';
import { WorkerApplier } from './worker-applier.js';

export interface ReconcilerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface FunctionReconcilerOptions {
  readonly functions: ObjectCache<FunctionResource>;
  readonly versions: ObjectCache<FunctionVersionResource>;
  readonly deployments: ObjectCache<V1Deployment>;
  readonly secrets: ObjectCache<V1Secret>;
  readonly writer: ClusterWriter;
  readonly events: EventSink;
  readonly hooks: readonly FinalizerHook[];
  readonly worker: WorkerConfig;
  readonly logger: ReconcilerLogger;
  readonly now?: () => Date;
}

/** Splits a queue key `namespace/name`. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * Level-based reconcile of one Function: read it from the cache, build the desired Secret and
 * `$LATEST` worker Deployment with pure builders, apply what differs (WorkerApplier), and
 * write the status. When the cluster refused a write it shows that in the status and asks the
 * queue for a retry with backoff.
 */
export class FunctionReconciler {
  private readonly now: () => Date;
  private readonly applier: WorkerApplier;

  constructor(private readonly o: FunctionReconcilerOptions) {
    this.now = o.now ?? (() => new Date());
    this.applier = new WorkerApplier(o);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const fn = this.o.functions.get(name, namespace);
    if (!fn) return {}; // Gone: owner references let the garbage collector remove the rest.
    const finalizers = fn.metadata.finalizers ?? [];
    if (fn.metadata.deletionTimestamp !== undefined) {
      await this.finalize(fn, namespace, name, finalizers);
      return {};
    }
    if (!finalizers.includes(FUNCTION_FINALIZER)) {
      await this.o.writer.setFinalizers(
        PLURALS.Function,
        namespace,
        name,
        [...finalizers, FUNCTION_FINALIZER],
        fn.metadata.resourceVersion,
      );
    }

    const generation = fn.metadata.generation ?? 1;
    const deploymentName = workerDeploymentName(name, '$LATEST');
    const invalid = validateFunction(name, fn.spec);
    const desiredReplicas = fn.spec.provisionedConcurrency ?? this.o.worker.minReplicas;
    let deployment = this.o.deployments.get(deploymentName, namespace);
    let error: Problem | undefined;

    if (invalid) {
      if (fn.status?.observedGeneration !== generation || fn.status.state !== 'Failed') {
        this.o.events.emit(fn, 'Warning', invalid.reason, invalid.message);
      }
    } else {
      ({ deployment, error } = await this.applier.apply({
        owner: fn,
        namespace,
        functionName: name,
        version: '$LATEST',
        spec: fn.spec,
        secretName: environmentSecretName(name),
        deploymentName,
        replicas: desiredReplicas,
        provisioned: (fn.spec.provisionedConcurrency ?? 0) > 0,
        egress: fn.metadata.annotations?.[EGRESS_ANNOTATION],
        sealedEnvironment: fn.metadata.annotations?.[SEALED_ENVIRONMENT_ANNOTATION],
      }));
    }
    const { autoscaled } = this.o.worker;
    await this.writeStatus(fn, {
      deployment,
      deploymentName,
      // With the autoscaler on, what it asked for is what the Deployment says.
      desiredReplicas: autoscaled
        ? (deployment?.spec?.replicas ?? desiredReplicas)
        : desiredReplicas,
      autoscaled,
      ...(invalid ? { invalid } : {}),
      ...(error ? { error } : {}),
    });
    return error ? { retry: error } : {};
  }

  private async writeStatus(
    fn: FunctionResource,
    o: {
      deployment: V1Deployment | undefined;
      deploymentName: string;
      desiredReplicas: number;
      autoscaled: boolean;
      invalid?: Problem;
      error?: Problem;
    },
  ): Promise<void> {
    const namespace = fn.metadata.namespace ?? '';
    const name = fn.metadata.name ?? '';
    const status = computeFunctionStatus(fn.status, {
      generation: fn.metadata.generation ?? 1,
      spec: fn.spec,
      deploymentName: o.deploymentName,
      deployment: o.deployment,
      desiredReplicas: o.desiredReplicas,
      autoscaled: o.autoscaled,
      ...(o.invalid ? { invalid: o.invalid } : {}),
      ...(o.error ? { error: o.error } : {}),
      ...this.latestVersionOf(namespace, name),
      now: this.now(),
    });
    if (isDeepStrictEqual(status, fn.status)) return;
    if (fn.status?.state !== status.state) {
      this.o.events.emit(fn, 'Normal', `State${status.state ?? ''}`, status.stateReason ?? '');
    }
    try {
      await this.o.writer.patchStatus(PLURALS.Function, namespace, name, status);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private latestVersionOf(namespace: string, name: string): { latestVersion?: string } {
    let latest = 0;
    for (const v of this.o.versions.list(namespace)) {
      if (v.spec.functionName === name) latest = Math.max(latest, Number(v.spec.version));
    }
    return latest > 0 ? { latestVersion: String(latest) } : {};
  }

  private async finalize(
    fn: FunctionResource,
    namespace: string,
    name: string,
    finalizers: readonly string[],
  ): Promise<void> {
    if (!finalizers.includes(FUNCTION_FINALIZER)) return;
    for (const hook of this.o.hooks) await hook.cleanup(fn);
    try {
      await this.o.writer.setFinalizers(
        PLURALS.Function,
        namespace,
        name,
        finalizers.filter((f) => f !== FUNCTION_FINALIZER),
        fn.metadata.resourceVersion,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.o.logger.info({ function: name, namespace }, 'finalized; owned objects go with it');
  }
}
