import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ResourceConflictException } from '@lamina/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { hashDirectory } from '../code/hash-directory.js';
import { buildZip } from '../code/test-support/build-zip.js';
import { caught, manifest, record, StoreFixture } from './test-support/store-fixture.js';

const f = new StoreFixture();
beforeEach(() => f.setUp());
afterEach(() => f.tearDown());

describe('FileFunctionStore: manifests', () => {
  it('loads folder and code-store functions, skipping bad files and functions', async () => {
    const artifact = await f.codeStore.putZip(buildZip([{ name: 'index.js', data: 'x' }]));
    await writeFile(join(f.manifestsDir, 'hello.yaml'), manifest('hello', 'path: ./hello'));
    await writeFile(
      join(f.manifestsDir, 'two.yml'),
      `${manifest('stored', `sha256: ${artifact.sha256Hex}`)}---\n${manifest('bad', 'path: ./missing')}`,
    );
    await writeFile(join(f.manifestsDir, 'broken.yaml'), 'kind: Function\napiVersion: v0\n');
    await writeFile(join(f.manifestsDir, 'notes.txt'), 'ignored');
    const store = await f.open();

    expect(store.list().map((r) => r.spec.name)).toEqual(['hello', 'stored']);
    const hello = store.get('hello')!;
    expect(hello.source).toBe('manifest');
    expect(hello.spec.memorySize).toBe(256);
    expect(hello.code).toEqual({
      ...(await hashDirectory(join(f.manifestsDir, 'hello'))),
      location: join(f.manifestsDir, 'hello'),
    });
    expect(hello.state).toBe('Active');
    expect(store.get('stored')!.code).toEqual({
      sha256: artifact.sha256,
      size: artifact.size,
      location: artifact.dir,
    });
    const errors = f.logs.filter((l) => l.level === 'error').map((l) => l.msg);
    expect(errors.some((m) => m.includes('bad') && m.includes('two.yml'))).toBe(true);
    expect(f.logs.some((l) => (l.obj as { file?: string }).file?.endsWith('broken.yaml'))).toBe(
      true,
    );
  });

  it('reports an unusable manifest in one line naming the file and the reason, no stack', async () => {
    const file = join(f.manifestsDir, 'py.yaml');
    await writeFile(file, manifest('py', 'path: ./hello').replace('nodejs22.x', 'python3.12'));
    await writeFile(join(f.manifestsDir, 'broken.yaml'), 'kind: Function\napiVersion: v0\n');
    await f.open();
    const errors = f.logs.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.msg).sort()).toEqual([
      `skipping function py of manifest ${file}: The runtime parameter of python3.12 is not supported by Lamina: no CPython 3.12 build can be installed from the package registries Lamina uses (Debian 12 ships 3.11, Debian 13 ships 3.13; see docs/adr/0024-more-runtimes-and-python312.md).`,
      `skipping manifest ${join(f.manifestsDir, 'broken.yaml')}: apiVersion must be lamina.dev/v1alpha1`,
    ]);
    for (const line of errors) {
      expect(line.obj).not.toHaveProperty('err');
      expect(line.msg).not.toContain('\n');
      expect(JSON.stringify(line.obj)).not.toMatch(/\bat .*\.js:\d+/);
    }
  });

  it('gives the same record in every process (deterministic revision id)', async () => {
    await writeFile(join(f.manifestsDir, 'hello.yaml'), manifest('hello', 'path: ./hello'));
    const [a, b] = [await f.open(), await f.open()];
    expect(a.get('hello')).toEqual(b.get('hello'));
  });

  it('refuses API writes to manifest functions, naming the file', async () => {
    const file = join(f.manifestsDir, 'hello.yaml');
    await writeFile(file, manifest('hello', 'path: ./hello'));
    const store = await f.open();
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
    const store = await f.open({ rescanIntervalMs: 100 });
    await store.create(record('hello'));
    const seen: string[] = [];
    store.onChange((name) => seen.push(name));
    const file = join(f.manifestsDir, 'hello.yaml');
    await writeFile(file, manifest('hello', 'path: ./hello'));
    await vi.waitFor(() => {
      expect(store.get('hello')?.source).toBe('manifest');
    });
    expect(seen).toContain('hello');
    expect(f.logs.some((l) => l.level === 'warn' && l.msg.includes('manifest wins'))).toBe(true);
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
    await rm(f.manifestsDir, { recursive: true });
    const store = await f.open({ rescanIntervalMs: 50 });
    expect(store.list()).toEqual([]);
    await mkdir(join(f.manifestsDir, 'hello'), { recursive: true });
    await writeFile(join(f.manifestsDir, 'hello', 'index.js'), '');
    await writeFile(join(f.manifestsDir, 'hello.yaml'), manifest('hello', 'path: ./hello'));
    await vi.waitFor(() => {
      expect(store.get('hello')).toBeDefined();
    });
  });
});
