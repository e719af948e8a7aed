import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { OptDirs } from './opt-dirs.js';

describe('OptDirs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opt-dirs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const layer = async (hex: string, files: Record<string, string>): Promise<void> => {
    for (const [name, text] of Object.entries(files)) {
      const file = path.join(dir, 'code', hex, name);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
  };

  const optDirs = () =>
    new OptDirs({ root: path.join(dir, 'opt'), layerDir: (hex) => path.join(dir, 'code', hex) });

  it('merges layers in order, later files winning, one folder per ordered list', async () => {
    await layer('a1', { 'same.txt': 'a', 'python/a.py': 'A = 1' });
    await layer('b2', { 'same.txt': 'b', 'nodejs/node_modules/b/index.js': 'b' });
    const dirs = optDirs();
    const [ab, again] = await Promise.all([dirs.prepare(['a1', 'b2']), dirs.prepare(['a1', 'b2'])]);
    expect(again).toBe(ab);
    expect(await readFile(path.join(ab!, 'same.txt'), 'utf8')).toBe('b');
    expect(await readFile(path.join(ab!, 'python/a.py'), 'utf8')).toBe('A = 1');
    expect(await readFile(path.join(ab!, 'nodejs/node_modules/b/index.js'), 'utf8')).toBe('b');
    const ba = await dirs.prepare(['b2', 'a1']);
    expect(ba).not.toBe(ab);
    expect(await readFile(path.join(ba!, 'same.txt'), 'utf8')).toBe('a');
    // A new instance (a restarted lamina dev) uses the folder already there.
    expect(await optDirs().prepare(['a1', 'b2'])).toBe(ab);
    const names = await readdir(path.join(dir, 'opt'));
    expect(names.filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    expect(names).toContain('package.json');
  });

  it('has no folder for no layers, and fails clearly when content is missing', async () => {
    expect(await optDirs().prepare(undefined)).toBeUndefined();
    expect(await optDirs().prepare([])).toBeUndefined();
    await expect(optDirs().prepare(['ff'])).rejects.toThrow(/layer ff is not in the code store/);
  });
});
