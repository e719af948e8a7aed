/**
 * The one apply step of the operator's reconcilers: a function version's environment Secret
 * and worker Deployment, built by the pure builders and written only where they differ from
 * the cache. The Function reconciler uses it for `$LATEST`, the FunctionVersion reconciler for
 * each published version.
 *
 * Invariants: never throws — a write the cluster refused comes back as an `ApplyFailed`
 * problem (with the API server's own message), announced once as a Warning event, and the
 * Deployment last seen in the cache; equal spec hash = nothing written; events name what was
 * created or rolled.
 */
import type {
  KubernetesObject,
  ObjectCache,
  V1Deployment,
  V1Secret,
} from '@kubernetes/client-node';
import type { FunctionResourceSpec, VersionLabel } from '@lamina/kube';

import { ANNOTATIONS, buildWorkerDeployment } from './builders/deployment.js';
import { egressGroupsOf } from './builders/isolation.js';
import { controllerReference } from './builders/owner.js';
import { ENVIRONMENT_HASH_ANNOTATION, buildEnvironmentSecret } from './builders/secret.js';
import type { Problem } from './builders/status.js';
import type { WorkerConfig } from './config.js';
import { type ClusterWriter, FIELD_MANAGER } from './kube/cluster-writer.js';
import type { EventSink } from './kube/event-recorder.js';

export interface WorkerApplierOptions {
  readonly deployments: ObjectCache<V1Deployment>;
  readonly secrets: ObjectCache<V1Secret>;
  readonly writer: ClusterWriter;
  readonly events: EventSink;
  readonly worker: WorkerConfig;
  readonly logger: { info(obj: object, msg: string): void };
}

/** One function version's worker, as a reconciler wants it. */
export interface WorkerTarget {
  /** The resource that owns (and is told about) the Secret and Deployment. */
  readonly owner: KubernetesObject;
  readonly namespace: string;
  readonly functionName: string;
  readonly version: VersionLabel;
  readonly spec: FunctionResourceSpec;
  readonly secretName: string;
  readonly deploymentName: string;
  readonly replicas: number;
  /** Provisioned concurrency is set: pods start as provisioned environments. */
  readonly provisioned?: boolean;
  /** The Function's `lamina.dev/egress` annotation (builders/isolation.ts). */
  readonly egress?: string | undefined;
  /** The owner's `lamina.dev/sealed-environment` annotation (ADR 0046). */
  readonly sealedEnvironment?: string | undefined;
}

export interface ApplyOutcome {
  /** What the cluster holds now (after a refused write: what the cache last saw). */
  readonly deployment: V1Deployment | undefined;
  /** Set when the cluster refused a write: the reconciler shows it and asks for a retry. */
  readonly error?: Problem;
}

export class WorkerApplier {
  constructor(private readonly o: WorkerApplierOptions) {}

  async apply(t: WorkerTarget): Promise<ApplyOutcome> {
    try {
      return { deployment: await this.write(t) };
    } catch (err) {
      const error: Problem = { reason: 'ApplyFailed', message: describeApiError(err) };
      this.o.events.emit(t.owner, 'Warning', error.reason, error.message);
      return { deployment: this.o.deployments.get(t.deploymentName, t.namespace), error };
    }
  }

  private async write(t: WorkerTarget): Promise<V1Deployment | undefined> {
    const owner = controllerReference(t.owner);
    const { secret, hash } = buildEnvironmentSecret({
      name: t.secretName,
      namespace: t.namespace,
      functionName: t.functionName,
      environment: t.spec.environment,
      owner,
    });
    const cachedSecret = this.o.secrets.get(t.secretName, t.namespace);
    if (cachedSecret?.metadata?.annotations?.[ENVIRONMENT_HASH_ANNOTATION] !== hash) {
      await this.o.writer.apply(secret);
      if (cachedSecret) {
        this.o.events.emit(
          t.owner,
          'Normal',
          'EnvironmentUpdated',
          `Secret ${t.secretName} updated`,
        );
      }
    }
    const egress = egressGroupsOf(t.egress);
    if (egress.invalid.length > 0) {
      const names = egress.invalid.join(', ');
      this.o.events.emit(t.owner, 'Warning', 'EgressGroupInvalid', `not a label name: ${names}`);
    }
    const desired = buildWorkerDeployment({
      namespace: t.namespace,
      functionName: t.functionName,
      version: t.version,
      spec: t.spec,
      owner,
      secretName: t.secretName,
      environmentHash: hash,
      // With the autoscaler on, replicas are not part of what is compared (nor of the hash).
      replicas: this.o.worker.autoscaled ? undefined : t.replicas,
      worker: this.o.worker,
      ...(t.provisioned === true ? { provisioned: true } : {}),
      egressGroups: egress.groups,
      sealedEnvironment: t.sealedEnvironment,
    });
    const cached = this.o.deployments.get(t.deploymentName, t.namespace);
    const want = desired.metadata?.annotations?.[ANNOTATIONS.specHash];
    if (cached?.metadata?.annotations?.[ANNOTATIONS.specHash] === want) return cached;
    if (this.o.worker.autoscaled && desired.spec !== undefined) {
      const replicas = replicasToApply(cached, t.replicas);
      if (replicas !== undefined) desired.spec.replicas = replicas;
    }
    const stored = await this.o.writer.apply(desired);
    this.o.events.emit(
      t.owner,
      'Normal',
      cached ? 'Updated' : 'Created',
      `${cached ? 'Rolled' : 'Created'} Deployment ${t.deploymentName} for generation ${t.owner.metadata?.generation ?? 1}`,
    );
    this.o.logger.info(
      {
        function: t.functionName,
        version: t.version,
        namespace: t.namespace,
        deployment: t.deploymentName,
      },
      'applied worker Deployment',
    );
    return stored;
  }
}

/**
 * `spec.replicas` to apply while the autoscaler owns it (ADR 0017): the floor when creating; the
 * Deployment's own value while this operator's apply still owns the field (left out, server-side
 * apply would drop it and the API server would default it to 1); nothing once the autoscaler's
 * scale writes took it over.
 */
export function replicasToApply(
  cached: V1Deployment | undefined,
  floor: number,
): number | undefined {
  if (cached === undefined) return floor;
  const owned = (cached.metadata?.managedFields ?? []).some((m) => {
    const spec = (m.fieldsV1 as Record<string, Record<string, unknown> | undefined> | undefined)?.[
      'f:spec'
    ];
    return (
      m.manager === FIELD_MANAGER && m.operation === 'Apply' && spec?.['f:replicas'] !== undefined
    );
  });
  return owned ? (cached.spec?.replicas ?? floor) : undefined;
}

/** The API server's own message of a refused write (its Status body), else the error's. */
export function describeApiError(err: unknown): string {
  if (err instanceof Error) {
    const body = (err as { body?: unknown }).body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') return parsed.message;
      } catch {
        return body.slice(0, 500);
      }
    }
    return err.message.slice(0, 500);
  }
  return String(err);
}
