import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  type FunctionRecord,
  ResourceConflictException,
  ResourceNotFoundException,
} from '@lamina/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { DiskCodeStore } from './disk-code-store.js';
import { FileFunctionStore, type FileFunctionStoreOptions } from './file-function-store.js';
import { hashDirectory } from './hash-directory.js';
import { buildZip } from './test-support/build-zip.js';

const arnContext = { region: 'us-east-1', accountId: '000000000000' };
const runtimes = ['nodejs22.x'];

interface LogLine {
  level: string;
  obj: object;
  msg: string;
}

let base: string;
let manifestsDir: string;
let stateDir: string;
let codeStore: DiskCodeStore;
let logs: LogLine[];
const stores: FileFunctionStore[] = [];

const logger = {
  info: (obj: object, msg: string) => logs.push({ level: 'info', obj, msg }),
  warn: (obj: object, msg: string) => logs.push({ level: 'warn', obj, msg }),
  error: (obj: object, msg: string) => logs.push({ level: 'error', obj, msg }),
};

async function open(extra: Partial<FileFunctionStoreOptions> = {}): Promise<FileFunctionStore> {
  const store = new FileFunctionStore({
    manifestsDir,
    stateDir,
    codeStore,
    supportedRuntimes: runtimes,
    arnContext,
    logger,
    ...extra,
  });
  stores.push(store);
  await store.start();
  return store;
}

function record(name: string, memorySize = 128): FunctionRecord {
  return {
    spec: {
      name,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      description: '',
      role: 'arn:aws:iam::000000000000:role/r',
      memorySize,
      timeout: 3,
      ephemeralStorage: 512,
      environment: {},
      architectures: ['x86_64'],
    },
    code: { sha256: 'abc=', size: 10, location: '/code/abc' },
    lastModified: '2024-01-01T00:00:00.000+0000',
    revisionId: 'r1',
    state: 'Active',
    lastUpdateStatus: 'Successful',
    tags: {},
    source: 'api',
  };
}

const manifest = (name: string, code: string) => `apiVersion: lamina.dev/v1alpha1
kind: Function
metadata:
  name: ${name}
spec:
  runtime: nodejs22.x
  handler: index.handler
  memorySize: 256
  code:
    ${code}
`;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lamina-fstore-'));
  manifestsDir = join(base, 'functions');
  stateDir = join(base, 'state');
  await mkdir(join(manifestsDir, 'hello'), { recursive: true });
  await writeFile(join(manifestsDir, 'hello', 'index.js'), 'exports.handler = async () => 1;');
  codeStore = new DiskCodeStore({ root: join(base, 'code') });
  logs = [];
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await rm(base, { recursive: true, force: true });
});

async function caught(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Error,
  );
}

describe('FileFunctionStore: manifests', () => {
  it('loads folder and code-store functions, skipping bad files and functions', async () => {
    const artifact = await codeStore.putZip(buildZip([{ name: 'index.js', data: 'x' }]));
    await writeFile(join(manifestsDir, 'hello.yaml'), manifest('hello', 'path: ./hello'));
    await writeFile(
      join(manifestsDir, 'two.yml'),
      `${manifest('stored', `sha256: ${artifact.sha256Hex}`)}---\n${manifest('bad', 'path: ./missing')}`,
    );
    await writeFile(join(manifestsDir, 'broken.yaml'), 'kind: Function\napiVersion: v0\n');
    await writeFile(join(manifestsDir, 'notes.txt'), 'ignored');
    const store = await open();

    expect(store.list().map((r) => r.spec.name)).toEqual(['hello', 'stored']);
    const hello = store.get('hello')!;
    expect(hello.source).toBe('manifest');
    expect(hello.spec.memorySize).toBe(256);
    expect(hello.code).toEqual({
      ...(await hashDirectory(join(manifestsDir, 'hello'))),
      location: join(manifestsDir, 'hello'),
    });
    expect(hello.state).toBe('Active');
    expect(store.get('stored')!.code).toEqual({
      sha256: artifact.sha256,
      size: artifact.size,
      location: artifact.dir,
    });
    const errors = logs.filter((l) => l.level === 'error').map((l) => l.msg);
    expect(errors.some((m) => m.includes('bad') && m.includes('two.yml'))).toBe(true);
    expect(logs.some((l) => (l.obj as { file?: string }).file?.endsWith('broken.yaml'))).toBe(true);
  });

  it('gives the same record in every process (deterministic revision id)', async () => {
    await writeFile(join(manifestsDir, 'hello.yaml'), manifest('hello', 'path: ./hello'));
    const [a, b] = [await open(), await open()];
    expect(a.get('hello')).toEqual(b.get('hello'));
  });

  it('refuses API writes to manifest functions, naming the file', async () => {
    const file = join(manifestsDir, 'hello.yaml');
    await writeFile(file, manifest('hello', 'path: ./hello'));
    const store = await open();
    for (const attempt of [
      store.create(record('hello')),
      store.update('hello', (r) => r),
      store.delete('hello'),
    ]) {
      const err = await caught(attempt);
      expect(err).toBeInstanceOf(ResourceConflictException);
      expect(err.message).toContain(file);
    }
  });

  it('follows manifest edits and removals, and lets a manifest win over an API record', async () => {
    const store = await open({ rescanIntervalMs: 100 });
    await store.create(record('hello'));
    const seen: string[] = [];
    store.onChange((name) => seen.push(name));
    const file = join(manifestsDir, 'hello.yaml');
    await writeFile(file, manifest('hello', 'path: ./hello'));
    await vi.waitFor(() => {
      expect(store.get('hello')?.source).toBe('manifest');
    });
    expect(seen).toContain('hello');
    expect(logs.some((l) => l.level === 'warn' && l.msg.includes('manifest wins'))).toBe(true);
    await writeFile(file, manifest('hello', 'path: ./hello').replace('256', '512'));
    await vi.waitFor(() => {
      expect(store.get('hello')?.spec.memorySize).toBe(512);
    });
    await rm(file);
    await vi.waitFor(() => {
      expect(store.get('hello')?.source).toBe('api');
    });
  });

  it('picks up a manifests folder created after start', async () => {
    await rm(manifestsDir, { recursive: true });
    const store = await open({ rescanIntervalMs: 50 });
    expect(store.list()).toEqual([]);
    await mkdir(join(manifestsDir, 'hello'), { recursive: true });
    await writeFile(join(manifestsDir, 'hello', 'index.js'), '');
    await writeFile(join(manifestsDir, 'hello.yaml'), manifest('hello', 'path: ./hello'));
    await vi.waitFor(() => {
      expect(store.get('hello')).toBeDefined();
    });
  });
});

describe('FileFunctionStore: API records', () => {
  it('creates, reads, updates and deletes, persisting JSON files', async () => {
    const now = new Date('2025-02-03T04:05:06.789Z');
    const store = await open({ now: () => now });
    await store.create({ ...record('fn'), source: 'manifest' });
    expect(store.get('fn')).toEqual(record('fn'));
    const file = join(stateDir, 'functions', 'fn.json');
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
    const store = await open();
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
    const [a, b] = [await open(), await open()];
    const results = await Promise.allSettled([
      a.create(record('race', 128)),
      b.create(record('race', 256)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected');
    expect(failed?.reason).toBeInstanceOf(ResourceConflictException);
  });

  it('shows changes made by another process within the rescan interval', async () => {
    const a = await open();
    const b = await open({ rescanIntervalMs: 200 });
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
    const a = await open();
    const b = await open({ rescanIntervalMs: 60_000 });
    await a.create(record('watched'));
    await vi.waitFor(() => {
      expect(b.get('watched')).toBeDefined();
    });
  });

  it('answers 404 for a record another process deleted unseen, and forgets it', async () => {
    const a = await open({ rescanIntervalMs: 60_000 });
    await a.create(record('gone'));
    await rm(join(stateDir, 'functions', 'gone.json'));
    expect(await caught(a.delete('gone'))).toBeInstanceOf(ResourceNotFoundException);
    expect(a.get('gone')).toBeUndefined();
  });

  it('skips record files it cannot use, and recovers when they are fixed', async () => {
    await mkdir(join(stateDir, 'functions'), { recursive: true });
    const file = join(stateDir, 'functions', 'x.json');
    await writeFile(file, '{ not json');
    await writeFile(join(stateDir, 'functions', 'y.json'), JSON.stringify(record('other')));
    const store = await open({ rescanIntervalMs: 100 });
    expect(store.list()).toEqual([]);
    expect(logs.filter((l) => l.level === 'error')).toHaveLength(2);
    await writeFile(file, JSON.stringify(record('x')));
    await vi.waitFor(() => {
      expect(store.get('x')).toBeDefined();
    });
  });

  it('closes idempotently and stops following changes', async () => {
    const a = await open();
    const b = await open({ rescanIntervalMs: 50 });
    await b.close();
    await b.close();
    await a.create(record('late'));
    await new Promise((r) => setTimeout(r, 200));
    expect(b.get('late')).toBeUndefined();
  });
});
