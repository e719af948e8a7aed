import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  InvalidParameterValueException,
  LIMITS,
  RequestEntityTooLargeException,
} from '@lamina/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DiskCodeStore } from './disk-code-store.js';
import { buildZip } from './test-support/build-zip.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lamina-code-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const zip = buildZip([
  { name: 'index.js', data: 'exports.handler = async () => "ok";', deflate: true },
  { name: 'bootstrap', data: '#!/bin/sh\n', mode: 0o100755 },
]);
const hex = createHash('sha256').update(zip).digest('hex');

describe('DiskCodeStore', () => {
  it('stores a zip by its sha256 and unpacks it', async () => {
    const store = new DiskCodeStore({ root });
    const artifact = await store.putZip(zip);
    expect(artifact).toEqual({
      sha256: createHash('sha256').update(zip).digest('base64'),
      sha256Hex: hex,
      size: zip.length,
      dir: join(root, hex),
    });
    expect(await readFile(join(artifact.dir, 'index.js'), 'utf8')).toContain('handler');
    expect((await stat(join(artifact.dir, 'bootstrap'))).mode & 0o111).not.toBe(0);
    expect(await store.readZip(hex)).toEqual(zip);
    expect(await store.get(hex)).toEqual(artifact);
    expect((await readdir(root)).sort()).toEqual([hex, `${hex}.zip`].sort());
  });

  it('is idempotent, also for concurrent puts by separate stores (processes)', async () => {
    const a = new DiskCodeStore({ root });
    const b = new DiskCodeStore({ root });
    const results = await Promise.all([a.putZip(zip), b.putZip(zip), a.putZip(zip), b.putZip(zip)]);
    for (const r of results) expect(r).toEqual(results[0]);
    expect((await readdir(root)).sort()).toEqual([hex, `${hex}.zip`].sort());
    expect(await a.putZip(zip)).toEqual(results[0]);
  });

  it('answers undefined for unknown or malformed keys', async () => {
    const store = new DiskCodeStore({ root });
    expect(await store.get('0'.repeat(64))).toBeUndefined();
    expect(await store.readZip('0'.repeat(64))).toBeUndefined();
    expect(await store.get('../etc')).toBeUndefined();
    expect(await store.readZip(`${'a'.repeat(63)}/`)).toBeUndefined();
  });

  it('refuses zips over the zipped limit with 413', async () => {
    const store = new DiskCodeStore({ root, maxZipBytes: 100 });
    const err: unknown = await store
      .putZip(buildZip([{ name: 'a', data: Buffer.alloc(200, 1) }]))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestEntityTooLargeException);
    expect((err as RequestEntityTooLargeException).status).toBe(413);
    expect(LIMITS.zipMaxBytes).toBe(52_428_800);
  });

  it('leaves nothing behind when unpacking fails', async () => {
    const store = new DiskCodeStore({ root, maxUnzippedBytes: 1000 });
    const bomb = buildZip([{ name: 'zeros', data: Buffer.alloc(100_000), deflate: true }]);
    const err: unknown = await store.putZip(bomb).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidParameterValueException);
    expect((err as Error).message).toBe('Unzipped size must be smaller than 1000 bytes');
    const evil = buildZip([{ name: '../x', data: 'x' }]);
    await expect(store.putZip(evil)).rejects.toThrow(/Could not unzip uploaded file/);
    await expect(store.putZip(Buffer.from('PK garbage'))).rejects.toThrow(
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
    expect(await readdir(root)).toEqual([]);
  });

  it('uses Lambda’s 250 MB default in the message', async () => {
    const store = new DiskCodeStore({ root });
    const liar = buildZip([
      { name: 'a', data: 'x', deflate: true, declaredSize: LIMITS.unzippedMaxBytes + 1 },
    ]);
    await expect(store.putZip(liar)).rejects.toThrow(
      'Unzipped size must be smaller than 262144000 bytes',
    );
  });
});
