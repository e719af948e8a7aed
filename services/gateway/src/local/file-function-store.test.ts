import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ResourceConflictException, ResourceNotFoundException } from '@lamina/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { caught, record, StoreFixture } from './test-support/store-fixture.js';

const f = new StoreFixture();
beforeEach(() => f.setUp());
afterEach(() => f.tearDown());

describe('FileFunctionStore: API records', () => {
  it('creates, reads, updates and deletes, persisting JSON files', async () => {
    const now = new Date('2025-02-03T04:05:06.789Z');
    const store = await f.open({ now: () => now });
    await store.create({ ...record('fn'), source: 'manifest' });
    expect(store.get('fn')).toEqual(record('fn'));
    const file = join(f.stateDir, 'functions', 'fn.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(record('fn'));

    const err = await caught(store.create(record('fn')));
    expect(err).toBeInstanceOf(ResourceConflictException);
    expect(err.message).toBe('Function already exist: fn');

    const updated = await store.update('fn', (r) => ({ ...r, spec: { ...r.spec, timeout: 30 } }));
    expect(updated.spec.timeout).toBe(30);
    expect(updated.lastModified).toBe('2025-02-03T04:05:06.789+0000');
    expect(updated.revisionId).not.toBe('r1');
    expect(store.get('fn')).toEqual(updated);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(updated);

    expect(await store.delete('fn')).toEqual(updated);
    expect(store.get('fn')).toBeUndefined();
    for (const attempt of [store.delete('fn'), store.update('fn', (r) => r)]) {
      const e = await caught(attempt);
      expect(e).toBeInstanceOf(ResourceNotFoundException);
      expect(e.message).toBe(
        'Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn',
      );
    }
  });

  it('tells listeners about its own changes and lists by name', async () => {
    const store = await f.open();
    const seen: string[] = [];
    const off = store.onChange((name) => seen.push(name));
    await store.create(record('b'));
    await store.create(record('a'));
    await store.update('a', (r) => r);
    await store.delete('b');
    off();
    await store.create(record('c'));
    expect(seen).toEqual(['b', 'a', 'a', 'b']);
    expect(store.list().map((r) => r.spec.name)).toEqual(['a', 'c']);
  });

  it('lets only one of two processes create a name', async () => {
    const [a, b] = [await f.open(), await f.open()];
    const results = await Promise.allSettled([
      a.create(record('race', 128)),
      b.create(record('race', 256)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected');
    expect(failed?.reason).toBeInstanceOf(ResourceConflictException);
  });

  it('shows changes made by another process within the rescan interval', async () => {
    const a = await f.open();
    const b = await f.open({ rescanIntervalMs: 200 });
    const seen: string[] = [];
    b.onChange((name) => seen.push(name));
    await a.create(record('shared'));
    await vi.waitFor(() => {
      expect(b.get('shared')).toEqual(record('shared'));
    });
    await a.update('shared', (r) => ({ ...r, spec: { ...r.spec, memorySize: 1024 } }));
    await vi.waitFor(() => {
      expect(b.get('shared')?.spec.memorySize).toBe(1024);
    });
    await b.delete('shared');
    await vi.waitFor(() => {
      expect(a.get('shared')).toBeUndefined();
    });
    expect(seen).toEqual(['shared', 'shared', 'shared']);
  });

  it('sees writes of another process through fs.watch alone', async () => {
    const a = await f.open();
    const b = await f.open({ rescanIntervalMs: 60_000 });
    await a.create(record('watched'));
    await vi.waitFor(() => {
      expect(b.get('watched')).toBeDefined();
    });
  });

  it('answers 404 for a record another process deleted unseen, and forgets it', async () => {
    const a = await f.open({ rescanIntervalMs: 60_000 });
    await a.create(record('gone'));
    await rm(join(f.stateDir, 'functions', 'gone.json'));
    expect(await caught(a.delete('gone'))).toBeInstanceOf(ResourceNotFoundException);
    expect(a.get('gone')).toBeUndefined();
  });

  it('skips record files it cannot use, and recovers when they are fixed', async () => {
    await mkdir(join(f.stateDir, 'functions'), { recursive: true });
    const file = join(f.stateDir, 'functions', 'x.json');
    await writeFile(file, '{ not json');
    await writeFile(join(f.stateDir, 'functions', 'y.json'), JSON.stringify(record('other')));
    const store = await f.open({ rescanIntervalMs: 100 });
    expect(store.list()).toEqual([]);
    expect(f.logs.filter((l) => l.level === 'error')).toHaveLength(2);
    await writeFile(file, JSON.stringify(record('x')));
    await vi.waitFor(() => {
      expect(store.get('x')).toBeDefined();
    });
  });

  it('closes idempotently and stops following changes', async () => {
    const a = await f.open();
    const b = await f.open({ rescanIntervalMs: 50 });
    await b.close();
    await b.close();
    await a.create(record('late'));
    await new Promise((r) => setTimeout(r, 200));
    expect(b.get('late')).toBeUndefined();
  });
});
