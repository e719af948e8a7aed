import { randomBytes } from 'node:crypto';

import { concurrencyKeys, TooManyRequestsException, LaminaError } from '@lamina/core';
import type { Redis } from 'ioredis';

import { readLuaScript } from '../lua-scripts.js';
import { type AdmitCommand, AdmitBatcher } from './admit-batcher.js';

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
  /** Any ioredis client; admission batches its own hot-path calls (auto-pipelining optional). */
  readonly redis: Redis;
  readonly accountConcurrency: number;
  readonly minUnreservedConcurrency: number;
  /** Added to the function timeout: init, queueing in the pool, hand-off. Default 15 s. */
  readonly leaseGraceMs?: number;
  /** Key prefix of the core concurrency layout. Default `lamina`. */
  readonly keyPrefix?: string;
  /** Seconds in the Retry-After header of a throttle. Default 1. */
  readonly retryAfterSeconds?: number;
  /** How long a release may wait to share a script call with the next acquire. Default 2 ms. */
  readonly releaseDelayMs?: number;
}

/** Lambda's throttle of an acquire refused by a reservation (`reserved`) or by the unreserved pool. */
export function throttled(reserved: boolean, retryAfterSeconds: number): TooManyRequestsException {
  return new TooManyRequestsException(
    reserved
      ? 'ReservedFunctionConcurrentInvocationLimitExceeded'
      : 'ConcurrentInvocationLimitExceeded',
    retryAfterSeconds,
  );
}

/** A reservation is a whole number ≥ 0 (the API validated it; this guards the store's value). */
export function assertReservation(reserved: number | undefined): void {
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 0)) {
    throw new LaminaError('ServiceException', `Invalid reserved concurrency ${String(reserved)}.`);
  }
}

/** Lambda's answer to a reservation that would leave too little unreserved concurrency. */
export function belowMinimumUnreserved(minUnreserved: number): LaminaError {
  return new LaminaError(
    'InvalidParameterValueException',
    `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minUnreserved}].`,
  );
}

/** The scripts, as ioredis `defineCommand` adds them to the client. */
interface AdmissionCommands {
  laminaAdmit: AdmitCommand;
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

/** Command name, file, number of keys (undefined: the first argument says). */
const SCRIPTS = [
  ['laminaAdmit', 'admit-n.lua', undefined],
  ['laminaSetReserved', 'set-reserved-2.lua', 2],
  ['laminaInFlight', 'in-flight-1.lua', 1],
] as const;

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
  private readonly batcher: AdmitBatcher;

  constructor(options: RedisAdmissionOptions) {
    const redis = options.redis;
    for (const [name, file, numberOfKeys] of SCRIPTS) {
      redis.defineCommand(name, {
        lua: readLuaScript(file),
        ...(numberOfKeys === undefined ? {} : { numberOfKeys }),
      });
    }
    // The batcher below already coalesces admission calls; ioredis' auto-pipelining would
    // add a setImmediate deferral to each of them.
    redis.options.autoPipeliningIgnoredCommands = [
      ...(redis.options.autoPipeliningIgnoredCommands ?? []),
      'laminaAdmit',
    ];
    this.redis = options.redis;
    this.commands = options.redis as unknown as AdmissionCommands;
    this.keys = concurrencyKeys(options.keyPrefix);
    this.sumKey = this.keys.reservedSum;
    this.accountConcurrency = options.accountConcurrency;
    this.minUnreserved = Math.min(options.minUnreservedConcurrency, options.accountConcurrency);
    this.graceMs = options.leaseGraceMs ?? 15_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.batcher = new AdmitBatcher({
      send: (...args) => this.commands.laminaAdmit(...args),
      poolKey: this.keys.unreserved,
      reservedKey: this.keys.reserved,
      sumKey: this.sumKey,
      accountConcurrency: this.accountConcurrency,
      ...(options.releaseDelayMs === undefined ? {} : { releaseDelayMs: options.releaseDelayMs }),
    });
  }

  /** Sends the releases still waiting; call before closing the Redis client. Idempotent. */
  close(): Promise<void> {
    return this.batcher.drain();
  }

  async acquire(functionName: string, timeoutMs: number): Promise<Lease> {
    const id = `${this.leasePrefix}:${(++this.seq).toString(36)}`;
    const { code, expiresAt } = await this.batcher.acquire(
      this.keys.fnLeases(functionName),
      functionName,
      id,
      timeoutMs + this.graceMs,
    );
    if (code < 0) throw throttled(code === -1, this.retryAfterSeconds);
    return { functionName, id, pooled: code === 2, expiresAt };
  }

  release(lease: Lease): Promise<void> {
    return this.batcher.release(this.keys.fnLeases(lease.functionName), lease.id);
  }

  async setReserved(functionName: string, reserved: number | undefined): Promise<void> {
    assertReservation(reserved);
    const total = await this.commands.laminaSetReserved(
      this.keys.reserved,
      this.sumKey,
      functionName,
      reserved === undefined ? '' : String(reserved),
      this.accountConcurrency,
      this.minUnreserved,
    );
    if (total === -1) throw belowMinimumUnreserved(this.minUnreserved);
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
