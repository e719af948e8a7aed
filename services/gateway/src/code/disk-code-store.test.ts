import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
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
    expect((await readdir(root)).sort()).toEqual([hex, `${hex}.zip`, 'package.json'].sort());
  });

  it('stores a spooled zip (code from S3) from its file, and consumes the file either way', async () => {
    const store = new DiskCodeStore({ root: join(root, 'store') });
    const spool = join(root, 'spooled.zip');
    await writeFile(spool, zip);
    const artifact = await store.putZip({ path: spool, sha256Hex: hex, size: zip.length });
    expect(artifact.sha256Hex).toBe(hex);
    expect(await readFile(join(artifact.dir, 'index.js'), 'utf8')).toContain('handler');
    expect(await store.readZip(hex)).toEqual(zip);
    await expect(stat(spool)).rejects.toThrow(/ENOENT/);
    const junk = Buffer.from('PK not a zip');
    await writeFile(spool, junk);
    const junkHex = createHash('sha256').update(junk).digest('hex');
    await expect(
      store.putZip({ path: spool, sha256Hex: junkHex, size: junk.length }),
    ).rejects.toThrow(/Could not unzip uploaded file/);
    await expect(stat(spool)).rejects.toThrow(/ENOENT/);
    expect((await readdir(join(root, 'store'))).sort()).toEqual(
      [hex, `${hex}.zip`, 'package.json'].sort(),
    );
  });

  it('runs CommonJS code as CommonJS inside an ESM project (the module boundary)', async () => {
    // The quick start: the store inside a checkout whose package.json says "type": "module".
    await writeFile(join(root, 'package.json'), '{"type":"module"}');
    const store = new DiskCodeStore({ root: join(root, '.lamina', 'code') });
    const artifact = await store.putZip(zip);
    const kind = execFileSync(
      process.execPath,
      ['-p', `typeof require(${JSON.stringify(join(artifact.dir, 'index.js'))}).handler`],
      { encoding: 'utf8' },
    );
    expect(kind.trim()).toBe('function');
    expect(
      JSON.parse(await readFile(join(root, '.lamina', 'code', 'package.json'), 'utf8')),
    ).not.toHaveProperty('type');
  });

  it('is idempotent, also for concurrent puts by separate stores (processes)', async () => {
    const a = new DiskCodeStore({ root });
    const b = new DiskCodeStore({ root });
    const results = await Promise.all([a.putZip(zip), b.putZip(zip), a.putZip(zip), b.putZip(zip)]);
    for (const r of results) expect(r).toEqual(results[0]);
    expect((await readdir(root)).sort()).toEqual([hex, `${hex}.zip`, 'package.json'].sort());
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
    expect(await readdir(root)).toEqual(['package.json']); // the module boundary only
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

  it('lists what it holds and removes content untouched since a time', async () => {
    const store = new DiskCodeStore({ root });
    await store.putZip(zip);
    const [item] = await store.list();
    expect(item).toMatchObject({ hex, bytes: zip.length });
    // Put again later: the content counts as just written.
    expect(await store.remove(hex, item!.touchedAt)).toBe(false);
    expect(await store.get(hex)).toBeDefined();
    expect(await store.remove(hex, Date.now() + 1000)).toBe(true);
    expect(await readdir(root)).toEqual(['package.json']); // only the module boundary stays;
    expect(await store.list()).toEqual([]);
    expect(await store.remove(hex, Date.now() + 1000)).toBe(false);
  });

  it('a put of existing content renews it, and a put after a removal stores it again', async () => {
    const store = new DiskCodeStore({ root });
    await store.putZip(zip);
    const old = new Date(Date.now() - 60_000);
    await utimes(join(root, `${hex}.zip`), old, old);
    const cutoff = Date.now() - 1000;
    await store.putZip(zip);
    expect(await store.remove(hex, cutoff)).toBe(false);
    expect(await store.remove(hex, Date.now() + 1000)).toBe(true);
    const again = await store.putZip(zip);
    expect(await readFile(join(again.dir, 'index.js'), 'utf8')).toContain('handler');
  });

  it('never loses content a concurrent put returned, across stores (processes)', async () => {
    for (let i = 0; i < 6; i++) {
      const a = new DiskCodeStore({ root });
      const b = new DiskCodeStore({ root });
      await a.putZip(zip);
      const old = new Date(Date.now() - 60_000);
      await utimes(join(root, `${hex}.zip`), old, old);
      const cutoff = Date.now() - 1000;
      const [, artifact] = await Promise.all([a.remove(hex, cutoff), b.putZip(zip)]);
      expect(await b.get(hex), `round ${i}`).toEqual(artifact);
      expect(await readFile(join(artifact.dir, 'index.js'), 'utf8')).toContain('handler');
      await a.remove(hex, Date.now() + 1000);
    }
  }, 60_000);

  it('two collectors (replicas) removing the same content: one does, nothing is left', async () => {
    const a = new DiskCodeStore({ root });
    const b = new DiskCodeStore({ root });
    await a.putZip(zip);
    const later = Date.now() + 1000;
    const results = await Promise.all([a.remove(hex, later), b.remove(hex, later)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await readdir(root)).toEqual(['package.json']);
  });

  it('removes temp and trash leftovers once old', async () => {
    const store = new DiskCodeStore({ root });
    await mkdir(join(root, '.tmp-x'));
    await mkdir(join(root, '.trash-y'));
    await store.removeLeftovers(Date.now() - 60_000);
    expect((await readdir(root)).length).toBe(2);
    await store.removeLeftovers(Date.now() + 1000);
    expect(await readdir(root)).toEqual([]);
  });
});
