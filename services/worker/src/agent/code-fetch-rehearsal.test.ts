import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { quietLogger } from '../test-support/fixtures.js';
import { rehearseCodeFetch } from './code-fetch-rehearsal.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('rehearseCodeFetch', () => {
  it('runs the fetch, check and unpack path once and leaves nothing behind', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'lamina-rehearsal-'));
    dirs.push(cache);
    const ms = await rehearseCodeFetch(cache, quietLogger);
    expect(ms).toBeGreaterThan(0);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('reports a failure and resolves (a cache it cannot write)', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'lamina-rehearsal-'));
    dirs.push(cache);
    const file = path.join(cache, 'a-file');
    writeFileSync(file, '');
    const warned: string[] = [];
    const logger = { ...quietLogger, warn: (_o: object, msg?: string) => warned.push(msg ?? '') };
    expect(await rehearseCodeFetch(file, logger)).toBeUndefined();
    expect(warned).toEqual([
      'rehearsing the code fetch failed; the first specialisation runs cold',
    ]);
  });
});
