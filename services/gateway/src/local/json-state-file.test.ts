import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { JsonStateFile } from './json-state-file.js';

describe('JsonStateFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'json-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads nothing from a missing file and keeps the last of several saves', async () => {
    const file = new JsonStateFile(join(dir, 's.json'), 'test');
    expect(await file.load()).toBeUndefined();
    const saves = [1, 2, 3].map((n) => file.save({ n }));
    await Promise.all(saves);
    expect(JSON.parse(await readFile(join(dir, 's.json'), 'utf8'))).toEqual({ n: 3 });
    expect(await new JsonStateFile(join(dir, 's.json'), 'test').load()).toEqual({ n: 3 });
  });

  it('logs and ignores a file it cannot parse', async () => {
    await writeFile(join(dir, 'bad.json'), '{nope');
    const warn = vi.fn();
    expect(await new JsonStateFile(join(dir, 'bad.json'), 'things', { warn }).load()).toBe(
      undefined,
    );
    expect(warn).toHaveBeenCalledWith(expect.anything(), 'ignoring unreadable things file');
  });

  it('rejects a failed save without blocking the next one', async () => {
    const file = new JsonStateFile(join(dir, 'missing-dir', 's.json'), 'test');
    await expect(file.save({ n: 1 })).rejects.toThrow();
    const ok = new JsonStateFile(join(dir, 's.json'), 'test');
    await ok.save({ n: 2 });
    await ok.settled();
    expect(await ok.load()).toEqual({ n: 2 });
  });

  it('does nothing without a file', async () => {
    const file = new JsonStateFile(undefined, 'test');
    await file.save({ n: 1 });
    expect(await file.load()).toBeUndefined();
  });
});
