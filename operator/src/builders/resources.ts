/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type { V1ResourceRequirements } from '@kubernetes/client-node';

/** Lambda gives one full vCPU at 1,769 MB and CPU in proportion below and above it. */
export const MB_PER_VCPU = 1769;

/**
 * Container resources of an execution environment: memory = MemorySize plus the worker
 * agent's overhead, CPU in proportion to MemorySize, so a function gets the share it would get
 * on Lambda, no more. Without a memory-backed `/tmp` requests equal limits (Guaranteed QoS);
 * with one of `tmpMb` (worker-volumes.ts) the memory limit grows by it, as tmpfs pages count
 * against the container's memory, while the request stays (Burstable: a full `/tmp` is memory
 * the scheduler did not reserve, ADR 0029).
 */
export function workerResources(
  memorySizeMb: number,
  overheadMb: number,
  tmpMb = 0,
): V1ResourceRequirements {
  const millicpu = Math.max(1, Math.ceil((memorySizeMb * 1000) / MB_PER_VCPU));
  const memory = `${memorySizeMb + overheadMb}Mi`;
  const cpu = `${millicpu}m`;
  const limit = `${memorySizeMb + overheadMb + tmpMb}Mi`;
  return { requests: { cpu, memory }, limits: { cpu, memory: limit } };
}
