import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { concurrencyKeys, TooManyRequestsException, LaminaError } from '@lamina/core';
import type { Redis } from 'ioredis';

/** One admitted invocation; give it back with `release`. */
export interface Lease {
  readonly functionName: string;
  readonly id: string;
  /** Drawn from the unreserved pool (the function has no reservation). */
  readonly pooled: boolean;
  /** Epoch ms (Redis clock) after which the lease is dropped even if never released. */
  readonly expiresAt: number;
}

/** Concurrency admission as the invoke path and the management API see it. */
export interface Admission {
  /** Admits one invocation or throws TooManyRequestsException with Lambda's Reason. */
  acquire(functionName: string, timeoutMs: number): Promise<Lease>;
  /** Idempotent; never throws for a lease that already expired. */
  release(lease: Lease): Promise<void>;
  /**
   * Sets (or with `undefined` removes) a reservation. Throws InvalidParameterValueException
   * when it would leave less than the minimum unreserved concurrency.
   */
  setReserved(functionName: string, reserved: number | undefined): Promise<void>;
  /** Σ reserved concurrency over all functions. */
  reservedTotal(): Promise<number>;
  /** Live leases of one function (reserved and unreserved). */
  inFlight(functionName: string): Promise<number>;
  /** Live leases drawing from the unreserved pool. */
  unreservedInFlight(): Promise<number>;
}

export interface RedisAdmissionOptions {
  /** Create it with `enableAutoPipelining: true`: acquire and release sit on the hot path. */
  readonly redis: Redis;
  readonly accountConcurrency: number;
  readonly minUnreservedConcurrency: number;
  /** Added to the function timeout: init, queueing in the pool, hand-off. Default 15 s. */
  readonly leaseGraceMs?: number;
  /** Key prefix of the core concurrency layout. Default `lamina`. */
  readonly keyPrefix?: string;
  /** Seconds in the Retry-After header of a throttle. Default 1. */
  readonly retryAfterSeconds?: number;
}

type AcquireReply = -1 | -2 | [1 | 2, number];

/** The scripts, as ioredis `defineCommand` adds them to the client. */
interface AdmissionCommands {
  laminaAcquire(
    fnKey: string,
    poolKey: string,
    reservedKey: string,
    sumKey: string,
    name: string,
    leaseId: string,
    ttlMs: number,
    accountLimit: number,
  ): Promise<AcquireReply>;
  laminaRelease(fnKey: string, poolKey: string, leaseId: string): Promise<number>;
  laminaSetReserved(
    reservedKey: string,
    sumKey: string,
    name: string,
    reserved: string,
    accountLimit: number,
    minUnreserved: number,
  ): Promise<number>;
  laminaInFlight(key: string): Promise<number>;
}

const SCRIPTS = [
  ['laminaAcquire', 'acquire-4.lua', 4],
  ['laminaRelease', 'release-2.lua', 2],
  ['laminaSetReserved', 'set-reserved-2.lua', 2],
  ['laminaInFlight', 'in-flight-1.lua', 1],
] as const;

function loadScript(file: string): string {
  // src/admission.ts and dist/admission.js both sit one level below the package root.
  return readFileSync(new URL(`../scripts/${file}`, import.meta.url), 'utf8');
}

/**
 * Reserved and account-wide concurrency limits in Redis, shared by every gateway (and later
 * dispatcher and poller) process. One atomic script per acquire; leases carry an expiry
 * from Redis' clock, so a crashed process cannot leak capacity. Only this class knows the
 * key order and argument packing of the scripts in `scripts/`.
 */
export class RedisAdmission implements Admission {
  private readonly redis: Redis;
  private readonly commands: AdmissionCommands;
  private readonly keys: ReturnType<typeof concurrencyKeys>;
  private readonly sumKey: string;
  private readonly accountConcurrency: number;
  private readonly minUnreserved: number;
  private readonly graceMs: number;
  private readonly retryAfterSeconds: number;
  private readonly leasePrefix = randomBytes(6).toString('base64url');
  private seq = 0;

  constructor(options: RedisAdmissionOptions) {
    for (const [name, file, numberOfKeys] of SCRIPTS) {
      options.redis.defineCommand(name, { lua: loadScript(file), numberOfKeys });
    }
    this.redis = options.redis;
    this.commands = options.redis as unknown as AdmissionCommands;
    this.keys = concurrencyKeys(options.keyPrefix);
    // Not (yet) in the core layout: the maintained Σ of `reserved`, same hash tag.
    this.sumKey = `${this.keys.reserved}:sum`;
    this.accountConcurrency = options.accountConcurrency;
    this.minUnreserved = Math.min(options.minUnreservedConcurrency, options.accountConcurrency);
    this.graceMs = options.leaseGraceMs ?? 15_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
  }

  async acquire(functionName: string, timeoutMs: number): Promise<Lease> {
    const id = `${this.leasePrefix}:${(++this.seq).toString(36)}`;
    const reply = await this.commands.laminaAcquire(
      this.keys.fnLeases(functionName),
      this.keys.unreserved,
      this.keys.reserved,
      this.sumKey,
      functionName,
      id,
      timeoutMs + this.graceMs,
      this.accountConcurrency,
    );
    if (reply === -1) {
      throw new TooManyRequestsException(
        'ReservedFunctionConcurrentInvocationLimitExceeded',
        this.retryAfterSeconds,
      );
    }
    if (reply === -2) {
      throw new TooManyRequestsException(
        'ConcurrentInvocationLimitExceeded',
        this.retryAfterSeconds,
      );
    }
    return { functionName, id, pooled: reply[0] === 2, expiresAt: reply[1] };
  }

  async release(lease: Lease): Promise<void> {
    await this.commands.laminaRelease(
      this.keys.fnLeases(lease.functionName),
      this.keys.unreserved,
      lease.id,
    );
  }

  async setReserved(functionName: string, reserved: number | undefined): Promise<void> {
    if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 0)) {
      throw new LaminaError(
        'ServiceException',
        `Invalid reserved concurrency ${String(reserved)}.`,
      );
    }
    const total = await this.commands.laminaSetReserved(
      this.keys.reserved,
      this.sumKey,
      functionName,
      reserved === undefined ? '' : String(reserved),
      this.accountConcurrency,
      this.minUnreserved,
    );
    if (total === -1) {
      throw new LaminaError(
        'InvalidParameterValueException',
        `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.minUnreserved}].`,
      );
    }
  }

  async reservedTotal(): Promise<number> {
    return Number((await this.redis.get(this.sumKey)) ?? '0');
  }

  inFlight(functionName: string): Promise<number> {
    return this.commands.laminaInFlight(this.keys.fnLeases(functionName));
  }

  unreservedInFlight(): Promise<number> {
    return this.commands.laminaInFlight(this.keys.unreserved);
  }
}
