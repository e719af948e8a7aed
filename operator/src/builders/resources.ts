/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type { V1ResourceRequirements } from '@kubernetes/client-node';

/** Lambda gives one full vCPU at 1,769 MB and CPU in proportion below and above it. */
export const MB_PER_VCPU = 1769;

/**
 * Container resources of an execution environment: memory = MemorySize plus the worker
 * agent's overhead, CPU in proportion to MemorySize. Requests equal limits (Guaranteed QoS),
 * so a function gets the same share it would get on Lambda, no more.
 */
export function workerResources(memorySizeMb: number, overheadMb: number): V1ResourceRequirements {
  const millicpu = Math.max(1, Math.ceil((memorySizeMb * 1000) / MB_PER_VCPU));
  const memory = `${memorySizeMb + overheadMb}Mi`;
  const cpu = `${millicpu}m`;
  return { requests: { cpu, memory }, limits: { cpu, memory } };
}
