import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { zipFolder } from './zip-folder.js';

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-zip-'));
  mkdirSync(join(dir, 'lib'));
  mkdirSync(join(dir, '.git'));
  writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => 1;\n'.repeat(20));
  writeFileSync(join(dir, 'lib', 'a.js'), 'module.exports = 1;\n');
  writeFileSync(join(dir, 'bootstrap'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bootstrap'), 0o755);
  writeFileSync(join(dir, '.git', 'HEAD'), 'x');
  return dir;
}

describe('zipFolder', () => {
  it('gives the same bytes for the same files (so the code hash says "unchanged")', () => {
    const a = zipFolder(folder());
    const b = zipFolder(folder());
    expect(a.equals(b)).toBe(true);
  });

  it('holds the files sorted, deflated, executable bits kept, .git left out', () => {
    const zip = zipFolder(folder());
    const names: string[] = [];
    let at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const modes: Record<string, number> = {};
    while (at >= 0) {
      const len = zip.readUInt16LE(at + 28);
      const name = zip.subarray(at + 46, at + 46 + len).toString();
      names.push(name);
      modes[name] = (zip.readUInt32LE(at + 38) >>> 16) & 0o777;
      at = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 46);
    }
    expect(names).toEqual(['bootstrap', 'index.js', 'lib/a.js']);
    expect(modes['bootstrap']).toBe(0o755);
    // The first deflated entry round-trips.
    const idx = zip.indexOf(Buffer.from('index.js'));
    const local = idx - 30;
    expect(zip.readUInt16LE(local + 8)).toBe(8);
    const size = zip.readUInt32LE(local + 18);
    const data = inflateRawSync(zip.subarray(idx + 8, idx + 8 + size)).toString();
    expect(data).toContain('exports.handler');
  });
});
