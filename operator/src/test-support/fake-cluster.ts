/**
 * In-memory fakes of what the reconcilers read and write (informer caches, the cluster
 * writer), shared by the operator's unit tests. Invariant: no I/O; `failApply` makes every
 * apply reject, as an API server refusing the write would.
 */
import type { KubernetesObject, ObjectCache } from '@kubernetes/client-node';

import type { ClusterWriter } from '../kube/cluster-writer.js';

export class Cache<T extends KubernetesObject> implements ObjectCache<T> {
  readonly items = new Map<string, T>();
  get(name: string, namespace?: string): T | undefined {
    return this.items.get(`${namespace ?? ''}/${name}`);
  }
  list(): readonly T[] {
    return [...this.items.values()];
  }
  put(obj: T): void {
    this.items.set(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`, obj);
  }
}

export class FakeWriter implements ClusterWriter {
  readonly applied: KubernetesObject[] = [];
  readonly statuses: object[] = [];
  finalizers: readonly string[] | undefined;
  failApply: Error | undefined;
  apply<T extends KubernetesObject>(obj: T): Promise<T> {
    if (this.failApply) return Promise.reject(this.failApply);
    this.applied.push(obj);
    return Promise.resolve(obj);
  }
  patchStatus(_p: string, _ns: string, _n: string, status: object): Promise<void> {
    this.statuses.push(status);
    return Promise.resolve();
  }
  setFinalizers(_p: string, _ns: string, _n: string, f: readonly string[]): Promise<void> {
    this.finalizers = f;
    return Promise.resolve();
  }
  setOwnerReferences(): Promise<void> {
    return Promise.resolve();
  }
}
