/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type { V1ResourceRequirements } from '@kubernetes/client-node';

/** Lambda gives one full vCPU at 1,769 MB and CPU in proportion below and above it. */
export const MB_PER_VCPU = 1769;

/**
 * What a worker pod's CPU request is (`LAMINA_WORKER_CPU_REQUEST`, chart
 * `operator.worker.cpuRequest`): `limit` = the limit (Guaranteed QoS, every environment holds
 * its whole share while idle), else a fixed number of millicores, at most the limit.
 */
export type CpuRequest = 'limit' | { readonly millicpu: number };

/**
 * Container resources of an execution environment: memory = MemorySize plus the worker
 * agent's overhead; the CPU *limit* in proportion to MemorySize, so a function never gets more
 * than on Lambda. The CPU *request* is small by default (Knative and Fission request little or
 * nothing): an idle environment uses almost no CPU, and a request of the whole share let a
 * 2-core node schedule only six 512 MB environments, so a pod from zero waited for terminating
 * pods' CPU (ADR 0032). With a memory-backed `/tmp` of `tmpMb` (worker-volumes.ts) the memory
 * limit grows by it, as tmpfs pages count against the container's memory, while the request
 * stays (a full `/tmp` is memory the scheduler did not reserve, ADR 0029).
 */
export function workerResources(
  memorySizeMb: number,
  overheadMb: number,
  cpuRequest: CpuRequest = 'limit',
  tmpMb = 0,
): V1ResourceRequirements {
  const limit = Math.max(1, Math.ceil((memorySizeMb * 1000) / MB_PER_VCPU));
  const request = cpuRequest === 'limit' ? limit : Math.min(limit, cpuRequest.millicpu);
  const memory = `${String(memorySizeMb + overheadMb)}Mi`;
  const memoryLimit = `${String(memorySizeMb + overheadMb + tmpMb)}Mi`;
  return {
    requests: { cpu: `${String(request)}m`, memory },
    limits: { cpu: `${String(limit)}m`, memory: memoryLimit },
  };
}
