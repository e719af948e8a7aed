import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
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
    await rm(base, { recursive: true, force: true });
  });

  async function tree(dir: string, files: Record<string, string>): Promise<string> {
    for (const [name, body] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), body);
    }
    return dir;
  }

  it('copies the code in, answers the runtime view, and replaces an earlier copy', async () => {
    const task = path.join(base, 'task');
    await mkdir(task);
    const a = await tree(path.join(base, 'a'), { 'index.js': 'a', 'lib/x.js': 'x' });
    await symlink('index.js', path.join(a, 'link.js'));
    const root = new TaskRoot(task, '/var/task');
    expect(await root.place(a)).toBe('/var/task');
    expect(await root.place(a)).toBe('/var/task');
    expect(await readFile(path.join(task, 'lib/x.js'), 'utf8')).toBe('x');
    expect(await readFile(path.join(task, 'link.js'), 'utf8')).toBe('a');

    // A restarted agent (a new TaskRoot) on the same folder, with other code.
    const b = await tree(path.join(base, 'b'), { 'main.py': 'b' });
    expect(await new TaskRoot(task).place(b)).toBe(task);
    expect((await readdir(task)).sort()).toEqual(['main.py']);
  });
});
