import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KNOWN_RUNTIMES } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { cachedNode, cacheRoot, localRuntimes } from './runtimes.js';

describe('localRuntimes', () => {
  const env = { LAMINA_CACHE_DIR: '/cache', HOME: '/home/dev' };

  it('runs provided.al2023 as the function’s own ./bootstrap', () => {
    const r = localRuntimes(env, process.execPath);
    expect(r.commands['provided.al2023']).toEqual({
      command: ['./bootstrap'],
      sandboxPaths: [process.execPath],
    });
    expect(r.ids).toContain('nodejs22.x');
  });

  it.skipIf(!existsSync('/usr/bin/python3.11'))(
    'runs python3.11 through runtimes/python/bootstrap with the cache root',
    () => {
      const python = localRuntimes(env, process.execPath).commands['python3.11'];
      expect(python?.command[0]).toMatch(/runtimes\/python\/bootstrap$/);
      expect(python?.command.slice(1)).toEqual(['/cache', '3.11']);
      expect(python?.runtimeDir).toMatch(/runtimes\/python$/);
    },
  );

  it('offers a java id only where that JDK exists', () => {
    const r = localRuntimes(
      { ...env, LAMINA_JAVA21_HOME: '/nonexistent/jdk-21' },
      process.execPath,
    );
    expect(r.ids).not.toContain('java21');
    const java17 = r.commands['java17'];
    if (java17 !== undefined) {
      expect(java17.command[0]).toMatch(/runtimes\/java\/bootstrap$/);
      expect(java17.command.slice(1)).toEqual([
        expect.stringMatching(/17.*\/bin\/java$/) as unknown,
        '/cache',
      ]);
    }
  });

  it('offers only the runtimes of the list marked local, in its order', () => {
    const r = localRuntimes({ ...env, LAMINA_NODEJS24_BIN: process.execPath }, process.execPath, [
      { id: 'provided.al2023', family: 'provided', version: 'al2023', local: true },
      { id: 'nodejs24.x', family: 'nodejs', version: '24', local: true },
      { id: 'nodejs22.x', family: 'nodejs', version: '22', local: false },
    ]);
    expect(r.ids).toEqual(['provided.al2023', 'nodejs24.x']);
    expect(r.commands['nodejs24.x']?.command[0]).toBe(process.execPath);
  });

  it('runs nodejs20.x / nodejs24.x on the newest cached Node.js of that major', () => {
    const cache = mkdtempSync(join(tmpdir(), 'lamina-cache-'));
    try {
      for (const v of ['20.9.0', '20.20.2', '24.1.0', '2.0.0']) {
        mkdirSync(join(cache, `node-v${v}`, 'bin'), { recursive: true });
        writeFileSync(join(cache, `node-v${v}`, 'bin/node'), '');
      }
      mkdirSync(join(cache, 'node-v20.30.0')); // no binary: a half-made install
      expect(cachedNode(cache, '20')).toBe(join(cache, 'node-v20.20.2/bin/node'));
      expect(cachedNode(cache, '18')).toBeUndefined();
      expect(cachedNode(join(cache, 'missing'), '20')).toBeUndefined();
      const r = localRuntimes({ LAMINA_CACHE_DIR: cache }, process.execPath, [
        { id: 'nodejs20.x', family: 'nodejs', version: '20', local: true },
        { id: 'nodejs24.x', family: 'nodejs', version: '24', local: true },
      ]);
      expect(r.commands['nodejs24.x']?.command[0]).toBe(join(cache, 'node-v24.1.0/bin/node'));
      expect(r.commands['nodejs20.x']?.specializable).toBe(true);
      expect(
        localRuntimes({ LAMINA_CACHE_DIR: '/nonexistent' }, process.execPath).ids,
      ).not.toContain('nodejs20.x');
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('knows no local runtime that core does not know', () => {
    const known = new Set(KNOWN_RUNTIMES);
    expect(localRuntimes(env, process.execPath).ids.every((id) => known.has(id))).toBe(true);
  });

  it("runs a runtime the host lacks from its image's root filesystem in the cache", () => {
    const cache = mkdtempSync(join(tmpdir(), 'lamina-rootfs-'));
    try {
      const rootfs = join(cache, 'rootfs/python3.13');
      mkdirSync(join(rootfs, 'var/runtime'), { recursive: true });
      writeFileSync(join(rootfs, 'var/runtime/bootstrap'), '#!/bin/sh\n');
      const r = localRuntimes({ ...env, LAMINA_CACHE_DIR: cache }, process.execPath, [
        { id: 'python3.13', family: 'python', version: '3.13', local: false },
        { id: 'java21', family: 'java', version: '21', local: false },
      ]);
      expect(r.ids).toEqual(['python3.13']);
      expect(r.commands['python3.13']).toMatchObject({
        rootfs,
        runtimeDir: '/var/runtime',
        sandboxPaths: [],
        command: [
          '/bin/sh',
          '-c',
          expect.stringContaining('exec /var/runtime/bootstrap') as unknown,
        ],
      });
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('defaults the cache root to ~/.cache/lamina', () => {
    expect(cacheRoot({ HOME: '/home/dev' })).toBe('/home/dev/.cache/lamina');
    expect(cacheRoot({ LAMINA_CACHE_DIR: '/c', HOME: '/home/dev' })).toBe('/c');
  });

  it('pre-warms one generic runtime per Node.js runtime unless LAMINA_WARM_POOL_SIZE says otherwise', () => {
    expect(localRuntimes(env, process.execPath).commands['nodejs22.x']).toMatchObject({
      specializable: true,
      warmPool: 1,
    });
    const off = localRuntimes({ ...env, LAMINA_WARM_POOL_SIZE: '0' }, process.execPath);
    expect(off.commands['nodejs22.x']?.warmPool).toBe(0);
    expect(off.commands['provided.al2023']?.specializable).toBeUndefined();
    expect(() => localRuntimes({ ...env, LAMINA_WARM_POOL_SIZE: '-1' }, process.execPath)).toThrow(
      /LAMINA_WARM_POOL_SIZE/,
    );
  });
});
