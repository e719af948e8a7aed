import { describe, expect, it, vi } from 'vitest';

import { LeaderElector, type LeaseRecord, type LeaseStore } from './leader-elector.js';

/** An in-memory Lease with the API server's optimistic concurrency. */
class MemoryLeaseStore implements LeaseStore {
  record: LeaseRecord | undefined;
  private rv = 0;
  failing = false;
  get(): Promise<LeaseRecord | undefined> {
    if (this.failing) return Promise.reject(new Error('apiserver down'));
    return Promise.resolve(this.record);
  }
  create(r: LeaseRecord): Promise<LeaseRecord> {
    if (this.record) return Promise.reject(new Error('409 exists'));
    this.record = { ...r, resourceVersion: String(++this.rv) };
    return Promise.resolve(this.record);
  }
  update(r: LeaseRecord): Promise<LeaseRecord> {
    if (this.failing) return Promise.reject(new Error('apiserver down'));
    if (r.resourceVersion !== this.record?.resourceVersion)
      return Promise.reject(new Error('409 conflict'));
    this.record = { ...r, resourceVersion: String(++this.rv) };
    return Promise.resolve(this.record);
  }
}

const logger = { info: vi.fn(), warn: vi.fn() };

function elector(
  store: LeaseStore,
  identity: string,
  clock: { t: number },
  extra: Partial<ConstructorParameters<typeof LeaderElector>[0]> = {},
) {
  return new LeaderElector({
    store,
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    logger,
    now: () => clock.t,
    onStartedLeading: () => undefined,
    onStoppedLeading: () => undefined,
    ...extra,
  });
}

describe('LeaderElector.tryAcquireOrRenew', () => {
  it('lets exactly one candidate hold the lease while it renews', async () => {
    const store = new MemoryLeaseStore();
    const clock = { t: 1_000_000 };
    const a = elector(store, 'a', clock);
    const b = elector(store, 'b', clock);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    for (let i = 0; i < 20; i++) {
      clock.t += 2_000;
      expect(await a.tryAcquireOrRenew()).toBe(true);
      expect(await b.tryAcquireOrRenew()).toBe(false);
    }
    expect(store.record?.holderIdentity).toBe('a');
    expect(store.record?.leaseTransitions).toBe(0);
  });

  it('takes over once the holder stopped renewing for a lease duration, by its own clock', async () => {
    const store = new MemoryLeaseStore();
    const clock = { t: 5_000 };
    const a = elector(store, 'a', clock);
    const b = elector(store, 'b', clock);
    await a.tryAcquireOrRenew();
    expect(await b.tryAcquireOrRenew()).toBe(false); // b observes the record now
    clock.t += 14_999;
    expect(await b.tryAcquireOrRenew()).toBe(false);
    clock.t += 1;
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(store.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });

  it('releases on stop so a successor takes over without waiting', async () => {
    const store = new MemoryLeaseStore();
    const clock = { t: 0 };
    const started = vi.fn();
    const a = elector(store, 'a', clock, {
      onStartedLeading: started,
      sleep: () => new Promise((r) => setTimeout(r, 1)),
    });
    void a.run();
    await vi.waitFor(() => {
      expect(started).toHaveBeenCalled();
    });
    expect(a.isLeader).toBe(true);
    await a.stop();
    await a.stop();
    expect(store.record?.holderIdentity).toBe('');
    const b = elector(store, 'b', clock);
    expect(await b.tryAcquireOrRenew()).toBe(true);
  });

  it('waits for a renewal in flight before releasing, so the release does not conflict', async () => {
    const store = new MemoryLeaseStore();
    const clock = { t: 0 };
    let renewing: (() => void) | undefined;
    const slow: LeaseStore = {
      get: () => store.get(),
      create: (r) => store.create(r),
      update: async (r) => {
        if (r.holderIdentity !== '') await new Promise<void>((res) => (renewing = res));
        return store.update(r);
      },
    };
    const a = elector(slow, 'a', clock, { sleep: () => new Promise((r) => setTimeout(r, 1)) });
    void a.run();
    await vi.waitFor(() => {
      expect(renewing).toBeDefined();
    });
    let done = false;
    const stopped = a.stop().then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false); // still waiting for the renewal
    renewing?.();
    await stopped;
    expect(store.record?.holderIdentity).toBe('');
  });

  it('steps down when renewals fail for the renew deadline', async () => {
    const store = new MemoryLeaseStore();
    const clock = { t: 0 };
    const lost = vi.fn();
    const a = elector(store, 'a', clock, {
      onStoppedLeading: lost,
      sleep: (ms) => {
        clock.t += ms;
        return Promise.resolve();
      },
      onStartedLeading: () => {
        store.failing = true;
      },
    });
    await a.run();
    expect(lost).toHaveBeenCalledOnce();
    expect(a.isLeader).toBe(false);
    expect(clock.t).toBeGreaterThanOrEqual(10_000);
  });
});
