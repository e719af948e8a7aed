import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ModuleBoundary, writeModuleBoundary } from './module-boundary.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lamina-boundary-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('writeModuleBoundary', () => {
  it('creates the folder and a package.json without "type"', async () => {
    const dir = join(base, 'state', 'code');
    await writeModuleBoundary(dir);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as object;
    expect(pkg).not.toHaveProperty('type');
    expect(Object.keys(pkg)).toEqual(['//']);
  });

  it('leaves a right file alone and repairs a wrong one', async () => {
    await writeModuleBoundary(base);
    const file = join(base, 'package.json');
    const before = await stat(file);
    await writeModuleBoundary(base);
    expect((await stat(file)).ino).toBe(before.ino);
    await writeFile(file, '{"type":"module"}');
    await new ModuleBoundary(base).ensure();
    expect(await readFile(file, 'utf8')).not.toContain('"type"');
  });

  it('refuses a relative folder (it would land in the working directory)', async () => {
    await expect(writeModuleBoundary('')).rejects.toThrow(/must be absolute/);
    await expect(writeModuleBoundary('code')).rejects.toThrow(/must be absolute/);
  });
});
