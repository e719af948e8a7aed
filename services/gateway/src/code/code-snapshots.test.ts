import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CodeSnapshots } from './code-snapshots.js';

let base: string;
let snapshots: CodeSnapshots;
let source: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lamina-snap-'));
  source = join(base, 'src');
  await mkdir(join(source, 'lib'), { recursive: true });
  await writeFile(join(source, 'index.js'), 'exports.handler = 1;');
  await writeFile(join(source, 'lib', 'a.js'), '12345');
  snapshots = new CodeSnapshots({ root: join(base, 'snap'), immutableRoots: [] });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const code = () => ({ sha256: 'x', size: 0, location: source });
const hexOf = (sha256: string): string => Buffer.from(sha256, 'base64').toString('hex');

describe('CodeSnapshots as a collectable store', () => {
  it('lists snapshots with their file bytes, and removes one untouched since a time', async () => {
    const frozen = await snapshots.freeze(code());
    const hex = hexOf(frozen.sha256);
    const [item] = await snapshots.list();
    expect(item).toMatchObject({ hex, bytes: 20 + 5 });
    expect(await snapshots.remove(hex, item!.touchedAt)).toBe(false);
    expect(await snapshots.remove(hex, Date.now() + 1000)).toBe(true);
    expect(await readdir(join(base, 'snap'))).toEqual(['package.json']); // only the module boundary stays;
  });

  it('freezing the same content again renews an old snapshot', async () => {
    const frozen = await snapshots.freeze(code());
    const old = new Date(Date.now() - 60_000);
    await utimes(frozen.location, old, old);
    const cutoff = Date.now() - 1000;
    expect(await snapshots.freeze(code())).toEqual(frozen);
    expect(await snapshots.remove(hexOf(frozen.sha256), cutoff)).toBe(false);
    expect((await snapshots.list()).map((s) => s.hex)).toEqual([hexOf(frozen.sha256)]);
  });
});
