import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnvironmentDir } from './environment-dir.js';

describe('readEnvironmentDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lamina-envdir-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a projected Secret volume: symlinks into ..data, dot entries skipped', async () => {
    // The kubelet's layout: ..2026_x/ holds the files, ..data -> ..2026_x, NAME -> ..data/NAME.
    const data = path.join(dir, '..2026_11_27');
    mkdirSync(data);
    writeFileSync(path.join(data, 'GREETING'), 'hello\nworld');
    writeFileSync(path.join(data, 'EMPTY'), '');
    symlinkSync('..2026_11_27', path.join(dir, '..data'));
    symlinkSync('..data/GREETING', path.join(dir, 'GREETING'));
    symlinkSync('..data/EMPTY', path.join(dir, 'EMPTY'));
    expect(await readEnvironmentDir(dir)).toEqual({
      variables: { EMPTY: '', GREETING: 'hello\nworld' },
      skipped: [],
    });
  });

  it('skips names Lambda refuses and entries that are not files', async () => {
    writeFileSync(path.join(dir, 'my-key'), 'x');
    mkdirSync(path.join(dir, 'NESTED'));
    writeFileSync(path.join(dir, 'OK_1'), 'v');
    const { variables, skipped } = await readEnvironmentDir(dir);
    expect(variables).toEqual({ OK_1: 'v' });
    expect(skipped.map((s) => s.name)).toEqual(['NESTED', 'my-key']);
  });

  it('treats no directory as no variables', async () => {
    expect(await readEnvironmentDir(undefined)).toEqual({ variables: {}, skipped: [] });
    expect(await readEnvironmentDir(path.join(dir, 'absent'))).toEqual({
      variables: {},
      skipped: [],
    });
  });
});
