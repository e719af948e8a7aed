import { LaminaError, TooManyRequestsException } from '@lamina/core';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Lease, RedisAdmission, type RedisAdmissionOptions } from './admission.js';

const REDIS_URL = testEnv.require('REDIS_URL');

const clients: Redis[] = [];
const prefixes = new Set<string>();

function uniquePrefix(): string {
  const prefix = uniqueName('gwtest');
  prefixes.add(prefix);
  return prefix;
}
function client(): Redis {
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  clients.push(redis);
  return redis;
}

/** A limiter on its own key prefix, so tests never see each other's leases. */
function admission(
  options: Partial<RedisAdmissionOptions> & { keyPrefix?: string } = {},
): RedisAdmission {
  return new RedisAdmission({
    redis: client(),
    accountConcurrency: 1000,
    minUnreservedConcurrency: 100,
    keyPrefix: uniquePrefix(),
    ...options,
  });
}

async function throttleReason(p: Promise<unknown>): Promise<string> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TooManyRequestsException);
  const t = err as TooManyRequestsException;
  expect(t.headers['Retry-After']).toBe('1');
  return t.reason;
}

beforeAll(async () => {
  await client().ping();
});

afterAll(async () => {
  const redis = clients[0]!;
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await Promise.all(clients.map((c) => c.quit()));
});

describe('RedisAdmission', () => {
  it('admits up to the reservation, then throttles with the reserved Reason', async () => {
    const a = admission();
    await a.setReserved('fn', 2);
    const l1 = await a.acquire('fn', 3000);
    await a.acquire('fn', 3000);
    expect(await throttleReason(a.acquire('fn', 3000))).toBe(
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    );
    expect(await a.inFlight('fn')).toBe(2);
    await a.release(l1);
    await a.release(l1); // idempotent
    expect(await a.inFlight('fn')).toBe(1);
    await a.acquire('fn', 3000);
  });

  it("counts a gateway's own pending release before its next acquire", async () => {
    const a = admission();
    await a.setReserved('seq', 1);
    for (let i = 0; i < 20; i++) {
      const lease = await a.acquire('seq', 3000);
      void a.release(lease); // not awaited, like the invoke route
    }
    await a.close();
    expect(await a.inFlight('seq')).toBe(0);
  });

  it('always throttles a function with reservation 0', async () => {
    const a = admission();
    await a.setReserved('off', 0);
    expect(await throttleReason(a.acquire('off', 3000))).toBe(
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    );
  });

  it('shares the unreserved pool (account limit − Σ reserved) among unreserved functions', async () => {
    const a = admission({ accountConcurrency: 5, minUnreservedConcurrency: 2 });
    await a.setReserved('r', 3);
    const held: Lease[] = [await a.acquire('x', 3000), await a.acquire('y', 3000)];
    expect(held.every((l) => l.pooled)).toBe(true);
    expect(await throttleReason(a.acquire('z', 3000))).toBe('ConcurrentInvocationLimitExceeded');
    // The reserved function has its own capacity.
    const r = await a.acquire('r', 3000);
    expect(r.pooled).toBe(false);
    expect(await a.unreservedInFlight()).toBe(2);
    await a.release(held[0]!);
    await a.acquire('z', 3000);
  });

  it('keeps Σ reserved consistent and the minimum unreserved', async () => {
    const a = admission({ accountConcurrency: 10, minUnreservedConcurrency: 5 });
    await a.setReserved('a', 4);
    await a.setReserved('b', 1);
    expect(await a.reservedTotal()).toBe(5);
    const err: unknown = await a.setReserved('c', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LaminaError);
    expect((err as LaminaError).name).toBe('InvalidParameterValueException');
    expect((err as LaminaError).message).toBe(
      "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [5].",
    );
    await a.setReserved('a', 2); // replacing a value counts only the difference
    expect(await a.reservedTotal()).toBe(3);
    await a.setReserved('c', 2);
    await a.setReserved('a', undefined);
    await a.setReserved('missing', undefined);
    expect(await a.reservedTotal()).toBe(3);
  });

  it('purges the leases of a crashed holder when they expire', async () => {
    const a = admission({ leaseGraceMs: 0 });
    await a.setReserved('leaky', 1);
    await a.acquire('leaky', 100); // never released
    expect(await throttleReason(a.acquire('leaky', 100))).toBe(
      'ReservedFunctionConcurrentInvocationLimitExceeded',
    );
    await eventually(async () => (await a.inFlight('leaky')) === 0, {
      what: 'the expired reserved lease purged',
      timeoutMs: 5000,
    });
    await a.acquire('leaky', 100);
    // Unreserved leases expire from the pool too.
    const b = admission({ accountConcurrency: 1, minUnreservedConcurrency: 0, leaseGraceMs: 0 });
    await b.acquire('u', 100);
    await throttleReason(b.acquire('v', 100));
    await eventually(async () => (await b.unreservedInFlight()) === 0, {
      what: 'the expired unreserved lease purged',
      timeoutMs: 5000,
    });
    await b.acquire('v', 100);
  });

  it('never admits more than the reservation under 200 concurrent acquires from two processes', async () => {
    const keyPrefix = uniquePrefix();
    const one = admission({ keyPrefix });
    const two = admission({ keyPrefix });
    await one.setReserved('storm', 10);
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? one : two).acquire('storm', 3000)),
    );
    const admitted = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(admitted).toHaveLength(10);
    expect(refused).toHaveLength(190);
    for (const r of refused) expect(r.reason).toBeInstanceOf(TooManyRequestsException);
    await Promise.all(admitted.map((r) => one.release(r.value)));
    expect(await two.inFlight('storm')).toBe(0);
  });

  it('holds the reservation while leases come and go, and ends at zero', async () => {
    const keyPrefix = uniquePrefix();
    const one = admission({ keyPrefix });
    const two = admission({ keyPrefix });
    await one.setReserved('churn', 10);
    let running = 0;
    let peak = 0;
    let admitted = 0;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const a = i % 2 === 0 ? one : two;
        let lease: Lease;
        try {
          lease = await a.acquire('churn', 3000);
        } catch (err) {
          expect(err).toBeInstanceOf(TooManyRequestsException);
          return;
        }
        admitted++;
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, Math.random() * 5));
        running--;
        await a.release(lease);
      }),
    );
    expect(peak).toBeLessThanOrEqual(10);
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(await one.inFlight('churn')).toBe(0);
  });
});
