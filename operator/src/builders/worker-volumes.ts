/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Volume, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
/**
 * The execution environment's filesystem in a worker pod, as the local sandbox gives it (issue
 * #17, ADR 0029): `/tmp` of the function's EphemeralStorage where writing past the size fails
 * with ENOSPC, and the code at `/var/task`.
 *
 * Invariants:
 * - `/tmp` is a memory-backed emptyDir (tmpfs) whose `sizeLimit` the kubelet passes as the
 *   mount's `size=` (SizeMemoryBackedVolumes, GA in Kubernetes 1.32): the kernel answers ENOSPC
 *   at the size, where a disk-backed emptyDir past its `sizeLimit` gets the pod evicted. Its pages
 *   count against the container's memory, so the memory *limit* of the container that writes
 *   `/tmp` grows by the size (`workerResources`' `tmpMb`); the request does not (see the ADR).
 * - `/var/task` is an emptyDir mounted read-only there (EROFS for the handler, as on Lambda) and
 *   writable at `/var/lamina/task`, where the agent copies the code (`LAMINA_TASK_DIR`), for zip
 *   functions and generic pods alike; an image function's code is its image.
 */
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { LIMITS } from '@lamina/core';
import { WORKER_ENV, WORKER_TASK_DIR, WORKER_TASK_WRITE_DIR } from '@lamina/kube';

/** Where worker pods find things; the worker agent's side of the contract (ADR 0007). */
export const WORKER_PATHS = {
  environment: '/var/run/lamina/env',
  /** The mounted code store (`pvc` delivery). */
  code: '/var/lamina/code',
  /** The pod's own emptyDir the agent unpacks fetched code into (`http` delivery). */
  codeCache: '/var/lamina/code-cache',
  tmp: '/tmp',
} as const;

/** Room for one unpacked package: Lambda's unzipped limit, 250 MB. */
export const CODE_SIZE = '250Mi';
/** The `/tmp` of a generic pod: Lambda's default; only functions of that size claim one. */
export const POOL_TMP_MB = LIMITS.ephemeralStorageMinMb;

export const TMP_MOUNT: V1VolumeMount = { name: 'tmp', mountPath: '/tmp' };
/** The task emptyDir, twice: read-only at `/var/task`, writable for the agent. */
export const TASK_MOUNTS: V1VolumeMount[] = [
  { name: 'task', mountPath: WORKER_TASK_DIR, readOnly: true },
  { name: 'task', mountPath: WORKER_TASK_WRITE_DIR },
];
/** The agent's variables for it. */
export const TASK_ENV: [string, string][] = [
  [WORKER_ENV.taskDir, WORKER_TASK_WRITE_DIR],
  [WORKER_ENV.taskView, WORKER_TASK_DIR],
];

/** `/tmp`: a tmpfs of `mb` MiB (ENOSPC past it). */
export function tmpVolume(mb: number): V1Volume {
  return { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: `${String(mb)}Mi` } };
}

/** `/var/task`: the agent's copy of the code. */
export function taskVolume(): V1Volume {
  return { name: 'task', emptyDir: { sizeLimit: CODE_SIZE } };
}
