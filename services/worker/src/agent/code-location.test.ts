import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateCode } from './code-location.js';

const store = mkdtempSync(path.join(tmpdir(), 'lamina-store-'));
const hex = 'cd'.repeat(32);
mkdirSync(path.join(store, hex));
writeFileSync(path.join(store, 'ef'.repeat(32)), 'a zip, not a tree');

describe('locateCode', () => {
  afterAll(() => {
    rmSync(store, { recursive: true, force: true });
  });

  it('finds <store>/<hex>/', async () => {
    expect(await locateCode(store, hex)).toEqual({ kind: 'found', dir: path.join(store, hex) });
  });

  it('says why the code is missing', async () => {
    const reasons = await Promise.all([
      locateCode(store, undefined),
      locateCode(undefined, hex),
      locateCode(store, 'q2V0Zm9v'),
      locateCode(store, '01'.repeat(32)),
      locateCode(store, 'ef'.repeat(32)),
    ]);
    expect(reasons.map((r) => (r.kind === 'missing' ? r.reason : r.dir))).toEqual([
      expect.stringMatching(/LAMINA_CODE_SHA256 is not set/),
      expect.stringMatching(/LAMINA_CODE_DIR is not set/),
      expect.stringMatching(/not a hex SHA-256/),
      expect.stringMatching(/not in the code store .*ENOENT/),
      expect.stringMatching(/is not a directory/),
    ]);
  });
});
