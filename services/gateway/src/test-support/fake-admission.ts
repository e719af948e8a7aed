import { LaminaError, TooManyRequestsException } from '@lamina/core';

import type { Admission, Lease } from '../admission/admission.js';

/** The admission rules of RedisAdmission, in memory, for route tests. */
export class FakeAdmission implements Admission {
  readonly reserved = new Map<string, number>();
  readonly leases = new Map<string, Lease>();
  private seq = 0;

  constructor(
    readonly accountConcurrency = 1000,
    readonly minUnreserved = 100,
  ) {}

  acquire(functionName: string): Promise<Lease> {
    const reserved = this.reserved.get(functionName);
    const live = [...this.leases.values()];
    if (reserved !== undefined) {
      if (live.filter((l) => l.functionName === functionName).length >= reserved) {
        return Promise.reject(
          new TooManyRequestsException('ReservedFunctionConcurrentInvocationLimitExceeded'),
        );
      }
    } else if (live.filter((l) => l.pooled).length >= this.accountConcurrency - this.sum()) {
      return Promise.reject(new TooManyRequestsException('ConcurrentInvocationLimitExceeded'));
    }
    const lease = {
      functionName,
      id: String(++this.seq),
      pooled: reserved === undefined,
      expiresAt: Number.MAX_SAFE_INTEGER,
    };
    this.leases.set(lease.id, lease);
    return Promise.resolve(lease);
  }
  release(lease: Lease): Promise<void> {
    this.leases.delete(lease.id);
    return Promise.resolve();
  }
  setReserved(functionName: string, reserved: number | undefined): Promise<void> {
    if (reserved === undefined) {
      this.reserved.delete(functionName);
      return Promise.resolve();
    }
    const others = this.sum() - (this.reserved.get(functionName) ?? 0);
    if (this.accountConcurrency - others - reserved < this.minUnreserved) {
      return Promise.reject(
        new LaminaError(
          'InvalidParameterValueException',
          `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minUnreserved}].`,
        ),
      );
    }
    this.reserved.set(functionName, reserved);
    return Promise.resolve();
  }
  reservedTotal(): Promise<number> {
    return Promise.resolve(this.sum());
  }
  inFlight(functionName: string): Promise<number> {
    return Promise.resolve(
      [...this.leases.values()].filter((l) => l.functionName === functionName).length,
    );
  }
  unreservedInFlight(): Promise<number> {
    return Promise.resolve([...this.leases.values()].filter((l) => l.pooled).length);
  }
  private sum(): number {
    let total = 0;
    for (const n of this.reserved.values()) total += n;
    return total;
  }
}
