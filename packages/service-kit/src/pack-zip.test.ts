import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { packZip } from './pack-zip.js';
import { unpack } from './unpack-zip.js';

const limits = { maxEntries: 100, maxUnzippedBytes: 1 << 20 };

describe('packZip', () => {
  it.each([true, false])('round-trips names, contents and modes (deflate %s)', async (deflate) => {
    const zip = packZip(
      [
        { name: 'index.js', data: Buffer.from('exports.x = 1;\n'.repeat(50)) },
        { name: 'lib/ü.txt', data: Buffer.from('utf-8 name') },
        { name: 'bootstrap', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
      ],
      { deflate },
    );
    const dir = await mkdtemp(join(tmpdir(), 'pack-zip-'));
    try {
      expect((await unpack(zip, dir, limits)).kind).toBe('ok');
      expect(await readFile(join(dir, 'index.js'), 'utf8')).toBe('exports.x = 1;\n'.repeat(50));
      expect(await readFile(join(dir, 'lib', 'ü.txt'), 'utf8')).toBe('utf-8 name');
      expect((await stat(join(dir, 'bootstrap'))).mode & 0o111).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives the same bytes for the same entries', () => {
    const entries = [{ name: 'a', data: Buffer.from('a'.repeat(100)) }];
    expect(packZip(entries).equals(packZip(entries))).toBe(true);
  });
});
