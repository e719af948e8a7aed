import {
  type Admission,
  assertReservation,
  belowMinimumUnreserved,
  type Lease,
  throttled,
} from './admission.js';

export interface MemoryAdmissionOptions {
  readonly accountConcurrency: number;
  readonly minUnreservedConcurrency: number;
  /** Seconds in the Retry-After header of a throttle. Default 1. */
  readonly retryAfterSeconds?: number;
}

/**
 * Admission held in this process (ADR 0049): the rules of `admit-n.lua` and `set-reserved-2.lua`
 * — a reserved function counts against its reservation, any other against the unreserved pool
 * (account limit − Σ reservations) — without a Redis round trip per call. Exact only while this
 * process is the one admitter of the account: `lamina dev` with the private Redis it started
 * itself (no other gateway can reach it). Gateways sharing a Redis use RedisAdmission.
 *
 * Leases need no expiry here: the only holder that could lose a release is this process, and its
 * leases go with it. Releases are idempotent like the script's.
 */
/** A lease of this process: it knows whether it came back (no map of live leases per call). */
class MemoryLease implements Lease {
  readonly expiresAt = Number.MAX_SAFE_INTEGER;
  released = false;

  constructor(
    readonly functionName: string,
    private readonly seq: number,
    readonly pooled: boolean,
  ) {}

  get id(): string {
    return this.seq.toString(36);
  }
}

export class MemoryAdmission implements Admission {
  /** Function name → reserved concurrency (read and seeded by route tests). */
  readonly reserved = new Map<string, number>();
  /**
   * Live leases per function, pooled ones counted in `pooled` too. A function's entry stays at 0
   * once it has been invoked (one per function): no map entry made and dropped per call.
   */
  private readonly perFunction = new Map<string, number>();
  private pooled = 0;
  private held = 0;
  private seq = 0;
  private readonly accountConcurrency: number;
  private readonly minUnreserved: number;
  private readonly retryAfterSeconds: number;

  constructor(options: MemoryAdmissionOptions) {
    this.accountConcurrency = options.accountConcurrency;
    this.minUnreserved = Math.min(options.minUnreservedConcurrency, options.accountConcurrency);
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
  }

  /** Leases given and not yet released (read by tests). */
  get live(): number {
    return this.held;
  }

  acquire(functionName: string): Promise<Lease> {
    const reserved = this.reserved.get(functionName);
    const live = this.perFunction.get(functionName) ?? 0;
    if (reserved !== undefined ? live >= reserved : this.pooled >= this.unreservedPool()) {
      return Promise.reject(throttled(reserved !== undefined, this.retryAfterSeconds));
    }
    const pooled = reserved === undefined;
    const lease = new MemoryLease(functionName, ++this.seq, pooled);
    this.perFunction.set(functionName, live + 1);
    if (pooled) this.pooled++;
    this.held++;
    return Promise.resolve(lease);
  }

  release(lease: Lease): Promise<void> {
    // Idempotent: a lease counts back once; one this process did not give is not its to count.
    if (lease instanceof MemoryLease && !lease.released) {
      lease.released = true;
      this.perFunction.set(lease.functionName, (this.perFunction.get(lease.functionName) ?? 1) - 1);
      if (lease.pooled) this.pooled--;
      this.held--;
    }
    return Promise.resolve();
  }

  setReserved(functionName: string, reserved: number | undefined): Promise<void> {
    // What the executor throws rejects the promise, as the script's refusal does.
    return new Promise((resolve) => {
      this.applyReservation(functionName, reserved);
      resolve();
    });
  }

  reservedTotal(): Promise<number> {
    return Promise.resolve(this.sum());
  }

  inFlight(functionName: string): Promise<number> {
    return Promise.resolve(this.perFunction.get(functionName) ?? 0);
  }

  unreservedInFlight(): Promise<number> {
    return Promise.resolve(this.pooled);
  }

  private applyReservation(functionName: string, reserved: number | undefined): void {
    assertReservation(reserved);
    if (reserved === undefined) {
      this.reserved.delete(functionName);
      return;
    }
    const others = this.sum() - (this.reserved.get(functionName) ?? 0);
    if (this.accountConcurrency - others - reserved < this.minUnreserved) {
      throw belowMinimumUnreserved(this.minUnreserved);
    }
    this.reserved.set(functionName, reserved);
  }

  /** Account limit − Σ reservations; a handful of reserved functions, summed per pooled acquire. */
  private unreservedPool(): number {
    return this.accountConcurrency - this.sum();
  }

  private sum(): number {
    let total = 0;
    for (const n of this.reserved.values()) total += n;
    return total;
  }
}
