import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { hashDirectory } from './hash-directory.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lamina-hash-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function makeTree(dir: string): Promise<void> {
  await mkdir(join(dir, 'lib'), { recursive: true });
  await writeFile(join(dir, 'index.js'), 'exports.handler = 1;');
  await writeFile(join(dir, 'lib', 'a.js'), 'a');
}

describe('hashDirectory', () => {
  it('is the same for two folders with the same content, whatever the timestamps', async () => {
    await makeTree(join(base, 'one'));
    await makeTree(join(base, 'two'));
    await utimes(join(base, 'two', 'index.js'), 1, 1);
    const one = await hashDirectory(join(base, 'one'));
    expect(one).toEqual(await hashDirectory(join(base, 'two')));
    expect(one.size).toBe(21);
    expect(Buffer.from(one.sha256, 'base64')).toHaveLength(32);
  });

  it('changes with content, names, the executable bit and symlink targets', async () => {
    const dir = join(base, 'd');
    await makeTree(dir);
    const seen = new Set([(await hashDirectory(dir)).sha256]);
    await writeFile(join(dir, 'lib', 'a.js'), 'b');
    seen.add((await hashDirectory(dir)).sha256);
    await writeFile(join(dir, 'lib', 'b.js'), '');
    seen.add((await hashDirectory(dir)).sha256);
    await chmod(join(dir, 'index.js'), 0o755);
    seen.add((await hashDirectory(dir)).sha256);
    await symlink('index.js', join(dir, 'link'));
    seen.add((await hashDirectory(dir)).sha256);
    await rm(join(dir, 'link'));
    await symlink('lib/a.js', join(dir, 'link'));
    seen.add((await hashDirectory(dir)).sha256);
    await mkdir(join(dir, 'empty'));
    seen.add((await hashDirectory(dir)).sha256);
    expect(seen.size).toBe(7);
  });

  it('does not confuse moving bytes between a name and the content', async () => {
    await mkdir(join(base, 'x'));
    await mkdir(join(base, 'y'));
    await writeFile(join(base, 'x', 'ab'), 'c');
    await writeFile(join(base, 'y', 'a'), 'bc');
    expect((await hashDirectory(join(base, 'x'))).sha256).not.toBe(
      (await hashDirectory(join(base, 'y'))).sha256,
    );
  });
});
