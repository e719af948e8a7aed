import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvalidParameterValueException } from '@lamina/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tooManyEntriesMessage, UNZIP_FAILED_MESSAGE, unzipSafely } from './safe-unzip.js';
import { buildZip, type ZipEntrySpec } from './test-support/build-zip.js';
import { safeEntryPath } from '@lamina/service-kit/unpack-zip';

const limits = { maxUnzippedBytes: 10_000, maxEntries: 100 };

let base: string;
let dest: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'lamina-unzip-'));
  dest = join(base, 'out');
  await mkdir(dest);
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function rejectsWith(entries: readonly ZipEntrySpec[], message = UNZIP_FAILED_MESSAGE) {
  const err: unknown = await unzipSafely(buildZip(entries), dest, limits).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidParameterValueException);
  expect((err as Error).message).toBe(message);
  return err as Error;
}

describe('unzipSafely', () => {
  it('unpacks files and folders, keeping the executable bit', async () => {
    const zip = buildZip([
      { name: 'lib/', mode: 0o040755 },
      { name: 'lib/util.js', data: 'exports.x = 1;', deflate: true },
      { name: 'bootstrap', data: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      { name: 'index.js', data: 'exports.handler = async () => 1;', mode: 0o100600 },
    ]);
    const result = await unzipSafely(zip, dest, limits);
    expect(result.entries).toBe(4);
    expect(result.bytes).toBe(14 + 18 + 32);
    expect(await readFile(join(dest, 'lib/util.js'), 'utf8')).toBe('exports.x = 1;');
    expect((await stat(join(dest, 'bootstrap'))).mode & 0o777).toBe(0o755);
    expect((await stat(join(dest, 'index.js'))).mode & 0o777).toBe(0o644);
  });

  it('creates parent folders that have no entry of their own, and reads DOS-made zips', async () => {
    await unzipSafely(buildZip([{ name: 'a/b/c.txt', data: 'c', host: 0, mode: 0 }]), dest, limits);
    expect(await readFile(join(dest, 'a/b/c.txt'), 'utf8')).toBe('c');
    expect((await stat(join(dest, 'a/b/c.txt'))).mode & 0o777).toBe(0o644);
  });

  it.each([
    ['../evil.txt'],
    ['a/../../evil.txt'],
    ['/etc/evil'],
    ['..\\evil.txt'],
    ['C:/evil.txt'],
    ['a\0b'],
  ])('refuses the entry name %j', async (name) => {
    await rejectsWith([{ name, data: 'x' }]);
    expect(await readdir(base)).toEqual(['out']);
  });

  it('refuses symlinks that point outside, absolute or through a chain of links', async () => {
    await rejectsWith([{ name: 'l', data: '../../etc/passwd', mode: 0o120777 }]);
    await rejectsWith([{ name: 'l', data: '/etc/passwd', mode: 0o120777 }]);
    const err = await rejectsWith([
      { name: 'd/', mode: 0o040755 },
      { name: 'd/up', data: '..', mode: 0o120777 },
      { name: 'escape', data: 'd/up/..', mode: 0o120777 },
    ]);
    expect((err.cause as Error).message).toMatch(/escape/);
  });

  it('keeps symlinks that stay inside the package', async () => {
    await unzipSafely(
      buildZip([
        { name: 'node_modules/x/bin.js', data: 'run', mode: 0o100755 },
        { name: 'node_modules/.bin/x', data: '../x/bin.js', mode: 0o120777 },
      ]),
      dest,
      limits,
    );
    expect(await readlink(join(dest, 'node_modules/.bin/x'))).toBe('../x/bin.js');
    expect(await readFile(join(dest, 'node_modules/.bin/x'), 'utf8')).toBe('run');
  });

  it('refuses device and fifo entries, duplicates and file/folder clashes', async () => {
    await rejectsWith([{ name: 'fifo', mode: 0o010644 }]);
    await rm(dest, { recursive: true });
    await mkdir(dest);
    await rejectsWith([
      { name: 'a', data: '1' },
      { name: 'a', data: '2' },
    ]);
    await rm(dest, { recursive: true });
    await mkdir(dest);
    await rejectsWith([
      { name: 'a', data: '1' },
      { name: 'a/b', data: '2' },
    ]);
  });

  it('stops once the bytes written pass the limit, even when the headers lie', async () => {
    const big = Buffer.alloc(20_000, 0x61);
    await rejectsWith(
      [{ name: 'big', data: big, deflate: true }],
      'Unzipped size must be smaller than 10000 bytes',
    );
    const err: unknown = await unzipSafely(
      buildZip([{ name: 'liar', data: big, deflate: true, declaredSize: 10 }]),
      dest,
      limits,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterValueException);
  });

  it('counts bytes across entries', async () => {
    const part = Buffer.alloc(4_000, 0x62);
    await rejectsWith(
      [
        { name: 'a', data: part },
        { name: 'b', data: part },
        { name: 'c', data: part },
      ],
      'Unzipped size must be smaller than 10000 bytes',
    );
  });

  it('refuses too many entries, naming the limit, before writing anything', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ name: `f${i}`, data: '' }));
    await rejectsWith(many, tooManyEntriesMessage(100));
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses a declared total over the limit before writing anything', async () => {
    const err = await rejectsWith(
      [
        { name: 'a', data: 'small' },
        { name: 'b', data: 'x', deflate: true, declaredSize: 20_000 },
      ],
      'Unzipped size must be smaller than 10000 bytes',
    );
    expect(err).toMatchObject({ status: 400 });
    expect(await readdir(dest)).toEqual([]);
  });

  it('strips set-uid, set-gid and sticky bits from files and folders', async () => {
    await unzipSafely(
      buildZip([
        { name: 'd/', mode: 0o043777 },
        { name: 'd/suid', data: '#!/bin/sh\n', mode: 0o104755 },
        { name: 'sgid', data: 'x', mode: 0o102644 },
        { name: 'sticky', data: 'x', mode: 0o101666 },
      ]),
      dest,
      limits,
    );
    expect((await stat(join(dest, 'd'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(dest, 'd/suid'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(dest, 'sgid'))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(dest, 'sticky'))).mode & 0o7777).toBe(0o644);
  });

  it('refuses NUL in names however they are encoded', async () => {
    await rejectsWith([{ name: 'index.js\0.png', data: 'x' }]);
    await rejectsWith([{ name: 'a\0', data: 'x', host: 0, mode: 0 }]);
    await rejectsWith([{ name: '\0/', mode: 0o040755 }]);
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses corrupt archives', async () => {
    const err: unknown = await unzipSafely(Buffer.from('not a zip'), dest, limits).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe(UNZIP_FAILED_MESSAGE);
    const corrupt = buildZip([{ name: 'a.txt', data: 'hello hello hello', deflate: true }]);
    corrupt.fill(0xff, 40, 48); // inside the deflate stream
    const err2: unknown = await unzipSafely(corrupt, dest, limits).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(InvalidParameterValueException);
  });
});

describe('safeEntryPath', () => {
  it('normalises harmless names', () => {
    expect(safeEntryPath('./a//b/')).toBe('a/b');
    expect(safeEntryPath('a/./b.js')).toBe('a/b.js');
  });
});
