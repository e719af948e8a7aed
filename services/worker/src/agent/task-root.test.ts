import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TaskRoot } from './task-root.js';

describe('the pod task root', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'task-root-'));
  });
  afterEach(async () => {
    await new TaskRoot(path.join(base, 'task'))
      .place(path.join(base, 'empty'))
      .catch(() => undefined);
    await rm(base, { recursive: true, force: true });
  });

  async function tree(dir: string, files: Record<string, string>): Promise<string> {
    for (const [name, body] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), body, { mode: 0o755 });
    }
    return dir;
  }

  it('copies the code in without write bits, replacing an earlier copy', async () => {
    const task = path.join(base, 'task');
    await mkdir(task);
    await mkdir(path.join(base, 'empty'));
    const a = await tree(path.join(base, 'a'), { 'index.js': 'a', 'lib/x.js': 'x' });
    await symlink('index.js', path.join(a, 'link.js'));
    const root = new TaskRoot(task);
    expect(await root.place(a)).toBe(task);
    expect(await root.place(a)).toBe(task);
    expect(await readFile(path.join(task, 'lib/x.js'), 'utf8')).toBe('x');
    expect(await readFile(path.join(task, 'link.js'), 'utf8')).toBe('a');
    expect((await stat(path.join(task, 'index.js'))).mode & 0o777).toBe(0o555);
    expect((await stat(path.join(task, 'lib'))).mode & 0o222).toBe(0);

    // A restarted agent (a new TaskRoot) on the same folder, with other code.
    const b = await tree(path.join(base, 'b'), { 'main.py': 'b' });
    await new TaskRoot(task).place(b);
    expect((await readdir(task)).sort()).toEqual(['main.py']);
  });
});
