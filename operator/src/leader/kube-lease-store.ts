/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's models (V1Deployment, ...) are classes with public data fields only; its API takes
   plain object literals, as its own examples do. */
import {
  ApiException,
  V1MicroTime,
  type CoordinationV1Api,
  type V1Lease,
} from '@kubernetes/client-node';

import type { LeaseRecord, LeaseStore } from './leader-elector.js';

const ms = (d: Date | undefined): number => (d === undefined ? 0 : new Date(d).getTime());

function toRecord(lease: V1Lease): LeaseRecord {
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity ?? '',
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
    acquireTime: ms(s.acquireTime),
    renewTime: ms(s.renewTime),
    leaseTransitions: s.leaseTransitions ?? 0,
    ...(lease.metadata?.resourceVersion === undefined
      ? {}
      : { resourceVersion: lease.metadata.resourceVersion }),
  };
}

/** LeaseStore over a coordination.k8s.io/v1 Lease. */
export class KubeLeaseStore implements LeaseStore {
  constructor(
    private readonly api: CoordinationV1Api,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async get(): Promise<LeaseRecord | undefined> {
    try {
      return toRecord(
        await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }),
      );
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }

  async create(record: LeaseRecord): Promise<LeaseRecord> {
    return toRecord(
      await this.api.createNamespacedLease({
        namespace: this.namespace,
        body: this.toLease(record),
      }),
    );
  }

  async update(record: LeaseRecord): Promise<LeaseRecord> {
    return toRecord(
      await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body: this.toLease(record),
      }),
    );
  }

  private toLease(r: LeaseRecord): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { 'app.kubernetes.io/part-of': 'lamina' },
        ...(r.resourceVersion === undefined ? {} : { resourceVersion: r.resourceVersion }),
      },
      spec: {
        holderIdentity: r.holderIdentity,
        leaseDurationSeconds: r.leaseDurationSeconds,
        acquireTime: new V1MicroTime(r.acquireTime),
        renewTime: new V1MicroTime(r.renewTime),
        leaseTransitions: r.leaseTransitions,
      },
    };
  }
}
