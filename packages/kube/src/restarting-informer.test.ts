import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { RestartingInformer } from './restarting-informer.js';

type Handler = (arg?: unknown) => void;

class FakeInformer {
  readonly handlers = new Map<string, Handler[]>();
  starts = 0;
  stops = 0;
  on(verb: string, cb: Handler): void {
    this.handlers.set(verb, [...(this.handlers.get(verb) ?? []), cb]);
  }
  off(): void {
    // The wrapper never unsubscribes.
  }
  emit(verb: string, arg?: unknown): void {
    for (const h of this.handlers.get(verb) ?? []) h(arg);
  }
  start(): Promise<void> {
    this.starts++;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stops++;
    return Promise.resolve();
  }
  get(): KubernetesObject | undefined {
    return undefined;
  }
  list(): readonly KubernetesObject[] {
    return [];
  }
}

const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
const asInformer = (f: FakeInformer) =>
  f as unknown as Informer<KubernetesObject> & ObjectCache<KubernetesObject>;

describe('RestartingInformer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('restarts after each error with backoff 1 s doubling to 30 s, reset on connect', async () => {
    const fake = new FakeInformer();
    const restarts: string[] = [];
    const inf = new RestartingInformer({
      name: 'fns',
      informer: asInformer(fake),
      logger,
      backoffJitter: { random: () => 0 },
      onRestart: (n) => restarts.push(n),
    });
    await inf.start();
    expect(inf.hasSynced).toBe(true);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = fake.starts;
      const t0 = Date.now();
      fake.emit('error', new Error('watch broke'));
      while (fake.starts === before) await vi.advanceTimersByTimeAsync(100);
      delays.push(Date.now() - t0);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(restarts).toHaveLength(7);
    fake.emit('connect');
    const t0 = Date.now();
    const before = fake.starts;
    fake.emit('error', new Error('again'));
    while (fake.starts === before) await vi.advanceTimersByTimeAsync(100);
    expect(Date.now() - t0).toBe(1000);
  });

  it('is not synced when the first list failed (start resolved, error emitted) until a restart lists', async () => {
    const fake = new FakeInformer();
    let failNext = true;
    fake.start = () => {
      fake.starts++;
      if (failNext) {
        failNext = false;
        fake.emit('error', new Error('connect ECONNREFUSED'));
      }
      return Promise.resolve();
    };
    const inf = new RestartingInformer({ name: 'fns', informer: asInformer(fake), logger });
    await inf.start();
    expect(inf.hasSynced).toBe(false);
    const waiting = inf.waitForSync(5_000);
    await vi.advanceTimersByTimeAsync(1_100);
    await waiting;
    expect(fake.starts).toBe(2);
    expect(inf.hasSynced).toBe(true);
  });

  it('does not restart once stopped; stop is idempotent', async () => {
    const fake = new FakeInformer();
    const inf = new RestartingInformer({ name: 'fns', informer: asInformer(fake), logger });
    await inf.start();
    fake.emit('error', new Error('x'));
    await inf.stop();
    await inf.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.starts).toBe(1);
    expect(fake.stops).toBe(1);
  });
});
