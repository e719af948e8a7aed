import { describe, expect, it } from 'vitest';

import { MemoryAdmission } from './memory-admission.js';

const admission = () =>
  new MemoryAdmission({ accountConcurrency: 10, minUnreservedConcurrency: 4 });

describe('MemoryAdmission (the rules of admit-n.lua, in one process)', () => {
  it('admits up to the reservation, then throttles with the reserved Reason', async () => {
    const a = admission();
    await a.setReserved('fn', 2);
    const leases = [await a.acquire('fn'), await a.acquire('fn')];
    expect(leases.map((l) => l.pooled)).toEqual([false, false]);
    await expect(a.acquire('fn')).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
    await a.release(leases[0]!);
    await a.release(leases[0]!); // idempotent
    expect(await a.inFlight('fn')).toBe(1);
    await expect(a.acquire('fn')).resolves.toMatchObject({ functionName: 'fn' });
  });

  it('always throttles a function with reservation 0', async () => {
    const a = admission();
    await a.setReserved('off', 0);
    await expect(a.acquire('off')).rejects.toMatchObject({
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  });

  it('shares the unreserved pool (account limit − Σ reserved) among unreserved functions', async () => {
    const a = admission();
    await a.setReserved('big', 5);
    for (let i = 0; i < 5; i++) await a.acquire(i % 2 === 0 ? 'x' : 'y');
    await expect(a.acquire('z')).rejects.toMatchObject({
      reason: 'ConcurrentInvocationLimitExceeded',
    });
    expect(await a.unreservedInFlight()).toBe(5);
    // The reserved function does not draw from the pool.
    await expect(a.acquire('big')).resolves.toMatchObject({ pooled: false });
    await a.setReserved('big', undefined);
    await expect(a.acquire('z')).resolves.toMatchObject({ pooled: true });
  });

  it('keeps Σ reserved and the minimum unreserved', async () => {
    const a = admission();
    await a.setReserved('a', 3);
    await a.setReserved('b', 3);
    await expect(a.setReserved('c', 1)).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('minimum value of [4]') as string,
    });
    await a.setReserved('b', 2); // replacing its own reservation counts once
    expect(await a.reservedTotal()).toBe(5);
    await expect(a.setReserved('x', -1)).rejects.toMatchObject({ name: 'ServiceException' });
  });

  it('ends at zero when every lease comes back', async () => {
    const a = admission();
    await a.setReserved('r', 3);
    const leases = await Promise.all(['r', 'r', 'u', 'u', 'u'].map((name) => a.acquire(name)));
    await Promise.all(leases.map((l) => a.release(l)));
    expect([await a.inFlight('r'), await a.inFlight('u'), await a.unreservedInFlight()]).toEqual([
      0, 0, 0,
    ]);
    expect(a.live).toBe(0);
  });
});
