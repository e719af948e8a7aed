import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { LayerInstall } from './layer-install.js';

describe('LayerInstall (mounted code store)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'layer-install-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const layer = async (hex: string, files: Record<string, string>): Promise<void> => {
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(dir, 'store', hex, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
  };

  it('copies layers into /opt in order, later files winning, once', async () => {
    await layer('a1', { 'bin/tool': 'a', 'python/a.py': 'A' });
    await layer('b2', { 'bin/tool': 'b' });
    const opt = path.join(dir, 'opt');
    await mkdir(opt);
    await writeFile(path.join(opt, 'stale'), 'from an interrupted attempt');
    const install = new LayerInstall({
      layers: ['a1', 'b2'],
      optDir: opt,
      storeDir: path.join(dir, 'store'),
    });
    expect(await install.ensure()).toBe(opt);
    expect(await readFile(path.join(opt, 'bin/tool'), 'utf8')).toBe('b');
    expect(await readFile(path.join(opt, 'python/a.py'), 'utf8')).toBe('A');
    await expect(readFile(path.join(opt, 'stale'))).rejects.toThrow();
    // A restarted container on the same emptyDir keeps what is there.
    await writeFile(path.join(opt, 'bin/tool'), 'kept');
    await new LayerInstall({
      layers: ['a1', 'b2'],
      optDir: opt,
      storeDir: path.join(dir, 'store'),
    }).ensure();
    expect(await readFile(path.join(opt, 'bin/tool'), 'utf8')).toBe('kept');
  });

  it('says which layer is missing, and tries again on the next call', async () => {
    const opt = path.join(dir, 'opt');
    await mkdir(opt);
    const install = new LayerInstall({
      layers: ['a1'],
      optDir: opt,
      storeDir: path.join(dir, 'store'),
    });
    await expect(install.ensure()).rejects.toThrow(/layer a1 is not in the code store/);
    await layer('a1', { 'x.txt': 'x' });
    expect(await install.ensure()).toBe(opt);
  });
});
