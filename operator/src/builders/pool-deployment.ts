/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
/**
 * The generic pool Deployment of one runtime in one namespace (issue #15 item 3, ADR 0019):
 * worker pods of the runtime's image with no function, no code and no Secret, whose agent waits
 * for one specialise request (LAMINA_WORKER_GENERIC). A gateway that specialises a pod relabels
 * it `pool=specialized`, so it leaves this Deployment's selector and the ReplicaSet makes a
 * replacement: the pool refills itself at `size`.
 *
 * Invariants: pure (same input, same object); the same lock-down as a version's pods (non-root,
 * read-only root, no capabilities, no service-account token); the pod's memory is annotated so
 * a gateway specialises it only for functions that fit; the grace period covers Lambda's longest
 * timeout, as the function it will run is not known yet; `/tmp` is Lambda's default 512 MB
 * (a tmpfs, worker-volumes.ts), so only functions of that EphemeralStorage claim a generic pod.
 */
import type { V1Deployment, V1ObjectMeta } from '@kubernetes/client-node';
import { LIMITS } from '@lamina/core';
import {
  LABELS,
  MANAGED_BY,
  POOL_GENERIC,
  POOL_LABEL,
  POOL_MEMORY_ANNOTATION,
  RUNTIME_LABEL,
  WORKER_APP_LABEL,
  WORKER_APP_NAME,
  WORKER_CONTAINER,
  WORKER_ENV,
  WORKER_GENERIC_ENV,
  WORKER_PORT_NAME,
} from '@lamina/kube';

import type { WarmPoolConfig, WorkerConfig } from '../config.js';
import {
  ANNOTATIONS,
  runtimeImage,
  WORKER_PATHS,
  WORKER_PORT,
  WORKER_READINESS_PROBE,
} from './deployment.js';
import { WORKER_SECURITY_CONTEXT, workerPodIsolation } from './isolation.js';
import { fitName, stableHash } from './names.js';
import { workerResources } from './resources.js';
import {
  CODE_SIZE,
  POOL_TMP_MB,
  TASK_ENV,
  TASK_MOUNTS,
  taskVolume,
  TMP_MOUNT,
  tmpVolume,
} from './worker-volumes.js';

export interface PoolDeploymentInput {
  readonly namespace: string;
  readonly runtime: string;
  /** Generic pods wanted (0 when the runtime is no longer used there). */
  readonly replicas: number;
  readonly pool: WarmPoolConfig;
  readonly worker: WorkerConfig;
}

/** `lamina-pool-nodejs22-x`: a DNS label of the runtime id. */
export function poolDeploymentName(runtime: string): string {
  return fitName(`lamina-pool-${runtime.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`);
}

/** See the file comment. */
export function buildPoolDeployment(input: PoolDeploymentInput): V1Deployment {
  const { worker, pool, runtime } = input;
  const selector = { [POOL_LABEL]: POOL_GENERIC, [RUNTIME_LABEL]: runtime };
  const labels = {
    [WORKER_APP_LABEL]: WORKER_APP_NAME,
    [LABELS.partOf]: 'lamina',
    [LABELS.managedBy]: MANAGED_BY,
    ...selector,
  };
  const env: [string, string | undefined][] = [
    [WORKER_GENERIC_ENV, 'true'],
    [WORKER_ENV.runtime, runtime],
    [WORKER_ENV.namespace, input.namespace],
    ['LAMINA_CODE_URL', worker.codeUrl],
    ['LAMINA_CODE_CACHE_DIR', WORKER_PATHS.codeCache],
    [WORKER_ENV.region, worker.region],
    [WORKER_ENV.port, String(WORKER_PORT)],
    ['LAMINA_SPECIALIZED_IDLE_SECONDS', String(pool.idleSeconds)],
    ...TASK_ENV,
    [WORKER_ENV.killStrays, 'true'],
  ];
  const metadata: V1ObjectMeta = {
    name: poolDeploymentName(runtime),
    namespace: input.namespace,
    labels,
  };
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: input.replicas,
      revisionHistoryLimit: 2,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { [POOL_MEMORY_ANNOTATION]: String(pool.memoryMb) } },
        spec: {
          ...workerPodIsolation(worker),
          terminationGracePeriodSeconds: LIMITS.timeoutMaxSeconds + 10,
          shareProcessNamespace: true,
          containers: [
            {
              name: WORKER_CONTAINER,
              image: runtimeImage(runtime, worker),
              imagePullPolicy: worker.imagePullPolicy,
              ports: [{ name: WORKER_PORT_NAME, containerPort: WORKER_PORT, protocol: 'TCP' }],
              env: env.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }])),
              resources: workerResources(
                pool.memoryMb,
                worker.memoryOverheadMb,
                worker.cpuRequest,
                POOL_TMP_MB,
              ),
              readinessProbe: WORKER_READINESS_PROBE,
              securityContext: WORKER_SECURITY_CONTEXT,
              volumeMounts: [
                TMP_MOUNT,
                { name: 'code', mountPath: WORKER_PATHS.codeCache },
                ...TASK_MOUNTS,
              ],
            },
          ],
          volumes: [
            tmpVolume(POOL_TMP_MB),
            { name: 'code', emptyDir: { sizeLimit: CODE_SIZE } },
            taskVolume(),
          ],
        },
      },
    },
  };
  // Hashed before the annotation exists, then annotated: equal hash = nothing to apply.
  metadata.annotations = { [ANNOTATIONS.specHash]: stableHash(deployment) };
  return deployment;
}
