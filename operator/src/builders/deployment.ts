/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1ObjectMeta,
  V1OwnerReference,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import {
  LABELS,
  MANAGED_BY,
  versionSlug,
  WORKER_APP_LABEL,
  WORKER_APP_NAME,
  WORKER_CONTAINER,
  WORKER_DEFAULT_PORT,
  WORKER_ENV,
  PROVISIONED_INITIALIZATION,
  WORKER_OPT_DIR,
  WORKER_PORT_NAME,
  type FunctionResourceSpec,
  type VersionLabel,
} from '@lamina/kube';

import type { WorkerConfig } from '../config.js';
import { egressLabels, WORKER_SECURITY_CONTEXT, workerPodIsolation } from './isolation.js';
import {
  codeEnv,
  credentialsEnv,
  layerEnv,
  loggingEnv,
  sealedEnvironmentEnv,
} from './agent-env.js';
import { imagePod } from './image-pod.js';
import { labelValue, stableHash, workerDeploymentName } from './names.js';
import { workerResources } from './resources.js';
import {
  CODE_SIZE,
  TASK_ENV,
  TASK_MOUNTS,
  taskVolume,
  TMP_MOUNT,
  tmpVolume,
  WORKER_PATHS,
} from './worker-volumes.js';

export { WORKER_PATHS } from './worker-volumes.js';

export const WORKER_PORT = WORKER_DEFAULT_PORT;

/** Every worker container's readiness (the agent's /readyz); the lockdown: isolation.ts. */
export const WORKER_READINESS_PROBE = {
  httpGet: { path: '/readyz', port: WORKER_PORT_NAME },
  periodSeconds: 1,
  failureThreshold: 3,
};

export const ANNOTATIONS = {
  /** On the Deployment: hash of everything it was built from; equal hash = nothing to apply. */
  specHash: 'lamina.dev/spec-hash',
  /** On the pod template: changes roll new execution environments (e.g. new env values). */
  configHash: 'lamina.dev/config-hash',
} as const;

export interface WorkerDeploymentInput {
  readonly namespace: string;
  readonly functionName: string;
  readonly version: VersionLabel;
  readonly spec: FunctionResourceSpec;
  readonly owner: V1OwnerReference;
  readonly secretName: string;
  /** Hash of the environment values, so new values roll the pods. */
  readonly environmentHash: string;
  /** Undefined: left out, for the autoscaler to own (ADR 0017); not part of the spec hash. */
  readonly replicas: number | undefined;
  readonly worker: WorkerConfig;
  /** The version has provisioned concurrency: its pods run init at start as provisioned ones. */
  readonly provisioned?: boolean;
  /** The function's egress groups (egress.ts): one pod label each, for NetworkPolicies. */
  readonly egressGroups?: readonly string[];
  /** The Secret of sealed variables the agent fetches through the gateway (ADR 0046). */
  readonly sealedEnvironment?: string | undefined;
}

/** The worker image of a zip function's runtime (an image function's pod: image-pod.ts). */
export function workerImage(spec: FunctionResourceSpec, worker: WorkerConfig): string {
  return runtimeImage(spec.runtime ?? 'provided.al2023', worker);
}

/** The worker image of a runtime (a per-runtime override, else prefix-slug:tag). */
export function runtimeImage(runtime: string, worker: WorkerConfig): string {
  const override = worker.images[runtime];
  if (override !== undefined) return override;
  const slug = runtime.replace(/\.x$/, '');
  return `${worker.imagePrefix}-${slug}:${worker.imageTag}`;
}

function environmentVolume(input: WorkerDeploymentInput): V1Volume {
  const refs = Object.entries(input.spec.environment?.valueFrom ?? {}).sort(([a], [b]) =>
    a.localeCompare(b),
  );
  return {
    name: 'environment',
    projected: {
      defaultMode: 0o440,
      sources: [
        { secret: { name: input.secretName } },
        ...refs.map(([name, { secretKeyRef }]) => ({
          secret: {
            name: secretKeyRef.name,
            items: [{ key: secretKeyRef.key, path: name }],
            ...(secretKeyRef.optional === undefined ? {} : { optional: secretKeyRef.optional }),
          },
        })),
      ],
    },
  };
}

function agentEnv(input: WorkerDeploymentInput): V1EnvVar[] {
  const { spec } = input;
  const env: [string, string | undefined][] = [
    [WORKER_ENV.functionName, input.functionName],
    [WORKER_ENV.namespace, input.namespace],
    [WORKER_ENV.version, input.version],
    [WORKER_ENV.runtime, spec.runtime],
    [WORKER_ENV.handler, spec.handler],
    [WORKER_ENV.memorySizeMb, String(spec.memorySize)],
    [WORKER_ENV.timeoutSeconds, String(spec.timeout)],
    [WORKER_ENV.codeSha256, spec.code.sha256],
    ...codeEnv(spec.code.sha256, input.worker),
    ...(spec.code.sha256 === undefined
      ? []
      : ([...TASK_ENV, [WORKER_ENV.killStrays, 'true']] as [string, string][])),
    ...layerEnv(spec, input.worker),
    ...loggingEnv(spec),
    [WORKER_ENV.environmentDir, WORKER_PATHS.environment],
    ...sealedEnvironmentEnv(input.sealedEnvironment, input.worker),
    [WORKER_ENV.region, input.worker.region],
    [WORKER_ENV.port, String(WORKER_PORT)],
    [
      WORKER_ENV.initializationType,
      input.provisioned === true ? PROVISIONED_INITIALIZATION : undefined,
    ],
  ];
  return [
    ...env.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }])),
    ...credentialsEnv(spec, input.worker),
  ];
}

/**
 * The worker Deployment of one function version: one pod per execution environment, locked
 * down (non-root, read-only root filesystem, no capabilities, no service-account token,
 * seccomp RuntimeDefault), `/tmp` an emptyDir sized like Lambda's ephemeral storage, the code
 * either fetched by the agent into its own emptyDir (`http`, with its per-code token) or the
 * store mounted read-only (`pvc`), the layers merged by the agent into an emptyDir at `/opt`, the
 * environment projected from Secrets as files. Pure: same input, same object.
 */
export function buildWorkerDeployment(input: WorkerDeploymentInput): V1Deployment {
  const { spec, worker } = input;
  const name = workerDeploymentName(input.functionName, input.version);
  const selector = {
    [LABELS.function]: labelValue(input.functionName),
    [LABELS.version]: versionSlug(input.version),
  };
  const labels = {
    [WORKER_APP_LABEL]: WORKER_APP_NAME,
    [LABELS.partOf]: 'lamina',
    [LABELS.managedBy]: MANAGED_BY,
    ...selector,
  };
  const tmpMb = spec.ephemeralStorage?.size ?? 512;
  const mounts: V1VolumeMount[] = [
    TMP_MOUNT,
    { name: 'environment', mountPath: WORKER_PATHS.environment, readOnly: true },
  ];
  const volumes: V1Volume[] = [tmpVolume(tmpMb), environmentVolume(input)];
  if (spec.code.sha256 !== undefined) {
    mounts.push(...TASK_MOUNTS);
    volumes.push(taskVolume());
  }
  if (worker.codeDelivery === 'http' && spec.code.sha256 !== undefined) {
    mounts.push({ name: 'code', mountPath: WORKER_PATHS.codeCache });
    volumes.push({ name: 'code', emptyDir: { sizeLimit: CODE_SIZE } });
  } else if (worker.codeStoreClaim !== undefined && spec.code.sha256 !== undefined) {
    mounts.push({ name: 'code', mountPath: WORKER_PATHS.code, readOnly: true });
    volumes.push({
      name: 'code',
      persistentVolumeClaim: { claimName: worker.codeStoreClaim, readOnly: true },
    });
  }
  if ((spec.layers ?? []).length > 0) {
    // Layers are merged into the pod's own /opt, as on Lambda (the root filesystem is read-only).
    mounts.push({ name: 'opt', mountPath: WORKER_OPT_DIR });
    volumes.push({ name: 'opt', emptyDir: { sizeLimit: CODE_SIZE } });
  }
  const agent: V1Container = {
    name: WORKER_CONTAINER,
    image: workerImage(spec, worker),
    imagePullPolicy: worker.imagePullPolicy,
    ports: [{ name: WORKER_PORT_NAME, containerPort: WORKER_PORT, protocol: 'TCP' }],
    env: agentEnv(input),
    resources: workerResources(spec.memorySize, worker.memoryOverheadMb, worker.cpuRequest, tmpMb),
    readinessProbe: WORKER_READINESS_PROBE,
    securityContext: WORKER_SECURITY_CONTEXT,
    volumeMounts: mounts,
  };
  const configHash = stableHash({ spec, env: input.environmentHash, version: input.version });
  const metadata: V1ObjectMeta = {
    name,
    namespace: input.namespace,
    labels,
    ownerReferences: [input.owner],
  };
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      ...(input.replicas === undefined ? {} : { replicas: input.replicas }),
      revisionHistoryLimit: 2,
      // An environment that cannot start within 5 minutes shows as a failed update.
      progressDeadlineSeconds: 300,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...labels, ...egressLabels(input.egressGroups ?? []) },
          annotations: { [ANNOTATIONS.configHash]: configHash },
        },
        spec: {
          ...workerPodIsolation(worker),
          terminationGracePeriodSeconds: spec.timeout + 10,
          // An image function's pod: the agent beside the function's own container (ADR 0028).
          // A zip function's pod shares its PID namespace too: the pause container reaps what
          // the agent kills when an environment ends (LAMINA_KILL_STRAYS).
          ...(spec.code.image === undefined
            ? { containers: [agent], shareProcessNamespace: true }
            : imagePod(agent, { ...input, credentials: credentialsEnv(spec, worker) })),
          volumes,
        },
      },
    },
  };
  // Hashed before the annotation exists, then annotated: equal hash = nothing to apply.
  metadata.annotations = { [ANNOTATIONS.specHash]: stableHash(deployment) };
  return deployment;
}
