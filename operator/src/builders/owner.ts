/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';

/**
 * An owner reference: garbage collection deletes the child with its owner. `controller` marks
 * the one owner that manages the child (a child has at most one).
 */
export function controllerReference(owner: KubernetesObject, controller = true): V1OwnerReference {
  const { apiVersion, kind, metadata } = owner;
  if (!apiVersion || !kind || !metadata?.name || !metadata.uid) {
    throw new Error('an owner needs apiVersion, kind, name and uid');
  }
  return {
    apiVersion,
    kind,
    name: metadata.name,
    uid: metadata.uid,
    controller,
    blockOwnerDeletion: true,
  };
}
