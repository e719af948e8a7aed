import { describe, expect, it } from 'vitest';

import {
  type ChangeSource,
  CodeCollector,
  type CollectableStore,
  type StoredContent,
  storeReferences,
} from './code-collector.js';

const GRACE = 1000;

class FakeStore implements CollectableStore {
  readonly items = new Map<string, StoredContent>();
  readonly leftoverSweeps: number[] = [];
  /** Runs inside `remove`, between the collector's decision and the removal. */
  duringRemove: (() => void) | undefined;

  put(hex: string, bytes: number, touchedAt: number): void {
    this.items.set(hex, { hex, bytes, touchedAt });
  }

  list(): Promise<StoredContent[]> {
    return Promise.resolve([...this.items.values()]);
  }

  remove(hex: string, before: number): Promise<boolean> {
    this.duringRemove?.();
    const item = this.items.get(hex);
    if (item === undefined || item.touchedAt >= before) return Promise.resolve(false);
    this.items.delete(hex);
    return Promise.resolve(true);
  }

  removeLeftovers(before: number): Promise<void> {
    this.leftoverSweeps.push(before);
    return Promise.resolve();
  }
}

class FakeChanges implements ChangeSource {
  readonly listeners = new Set<(name: string) => void>();
  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const silent = { info: () => undefined, warn: () => undefined };

function setUp(refs: Set<string>) {
  const clock = { now: 10_000 };
  const store = new FakeStore();
  const collector = new CodeCollector({
    references: { referenced: () => refs },
    stores: [store],
    graceMs: GRACE,
    intervalMs: 60_000,
    now: () => clock.now,
    logger: silent,
  });
  return { clock, store, collector };
}

describe('CodeCollector', () => {
  it('removes content only after it has been unreferenced and untouched for the grace', async () => {
    const refs = new Set(['a']);
    const { clock, store, collector } = setUp(refs);
    store.put('a', 10, 0);
    store.put('b', 20, 0);
    store.put('fresh', 30, clock.now + GRACE / 2); // written after the first sweep
    // First seen unreferenced now: waits.
    expect(await collector.sweep()).toEqual({ removed: 0, removedBytes: 0, waiting: 2 });
    clock.now += GRACE;
    expect(await collector.sweep()).toEqual({ removed: 1, removedBytes: 20, waiting: 1 });
    expect([...store.items.keys()].sort()).toEqual(['a', 'fresh']);
    clock.now += GRACE;
    expect(await collector.sweep()).toMatchObject({ removed: 1, removedBytes: 30 });
    expect([...store.items.keys()]).toEqual(['a']);
  });

  it('keeps content that becomes referenced again, and starts its grace over', async () => {
    const refs = new Set<string>();
    const { clock, store, collector } = setUp(refs);
    store.put('x', 5, 0);
    await collector.sweep();
    refs.add('x');
    clock.now += GRACE;
    await collector.sweep();
    refs.delete('x');
    clock.now += GRACE / 2;
    expect((await collector.sweep()).removed).toBe(0);
    clock.now += GRACE;
    expect((await collector.sweep()).removed).toBe(1);
  });

  it('reads the references again right before removing', async () => {
    const refs = new Set<string>();
    const { clock, store, collector } = setUp(refs);
    store.put('x', 5, 0);
    await collector.sweep();
    clock.now += GRACE;
    // A function that names x appears while the store is being listed.
    const list = store.list.bind(store);
    store.list = async () => {
      const items = await list();
      refs.add('x');
      return items;
    };
    expect((await collector.sweep()).removed).toBe(0);
    expect(store.items.has('x')).toBe(true);
  });

  it('leaves content that an upload put again while the sweep ran', async () => {
    const refs = new Set<string>();
    const { clock, store, collector } = setUp(refs);
    store.put('x', 5, 0);
    await collector.sweep();
    clock.now += GRACE;
    store.duringRemove = () => {
      store.put('x', 5, clock.now);
    };
    expect((await collector.sweep()).removed).toBe(0);
    expect(store.items.has('x')).toBe(true);
  });

  it('reports the bytes stored, whatever references them', async () => {
    const { store, collector } = setUp(new Set(['a']));
    store.put('a', 10, 0);
    store.put('b', 32, 0);
    expect(await collector.storedBytes()).toBe(42);
  });

  it('sweeps on start, after changes and when content becomes due; start and stop are idempotent', async () => {
    const refs = new Set<string>();
    const store = new FakeStore();
    const changes = new FakeChanges();
    store.put('old', 1, 0);
    const collector = new CodeCollector({
      references: { referenced: () => refs },
      stores: [store],
      watch: [changes],
      graceMs: 50,
      intervalMs: 60_000,
      debounceMs: 10,
      leftoverAgeMs: 5,
      logger: silent,
    });
    collector.start();
    collector.start();
    expect(changes.listeners.size).toBe(1);
    // The first sweep marks it; the one scheduled for when it is due removes it.
    await expect.poll(() => store.items.size, { timeout: 2000 }).toBe(0);
    store.put('later', 1, 0);
    for (const l of changes.listeners) l('fn');
    await expect.poll(() => store.items.size, { timeout: 2000 }).toBe(0);
    expect(store.leftoverSweeps.length).toBeGreaterThan(1);
    await collector.stop();
    await collector.stop();
    expect(changes.listeners.size).toBe(0);
  });
});

describe('storeReferences', () => {
  it('names the code of every function and of its versions, in hex', () => {
    const code = (hex: string) => ({
      sha256: Buffer.from(hex, 'hex').toString('base64'),
      size: 1,
      location: `/code/${hex}`,
    });
    const refs = storeReferences(
      {
        list: () => [
          { spec: { name: 'f' }, code: code('aa') },
          { spec: { name: 'img' }, code: { sha256: '', size: 0, location: 'repo/img' } },
        ],
      } as never,
      {
        listVersions: (name: string) => (name === 'f' ? [{ spec: {}, code: code('bb') }] : []),
      } as never,
    );
    expect([...refs.referenced()].sort()).toEqual(['aa', 'bb']);
  });

  it('names the layers functions and versions use (deleted or not) and every live layer version', () => {
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
    const layer = (hex: string) => ({ arn: `arn:${hex}`, codeSize: 1, sha256: b64(hex) });
    const refs = storeReferences(
      {
        list: () => [
          {
            spec: { name: 'f', layers: [layer('c1'), layer('c2')] },
            code: { sha256: b64('aa'), size: 1, location: '/code/aa' },
          },
        ],
      } as never,
      {
        listVersions: () => [
          { spec: { layers: [layer('c3')] }, code: { sha256: b64('bb'), size: 1, location: '' } },
        ],
      } as never,
      { list: () => [{ sha256: b64('d1') }] } as never,
    );
    expect([...refs.referenced()].sort()).toEqual(['aa', 'bb', 'c1', 'c2', 'c3', 'd1']);
  });
});
