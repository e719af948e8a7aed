import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KNOWN_RUNTIMES } from '@lamina/core';
import { describe, expect, it } from 'vitest';

import { cacheRoot, localRuntimes } from './runtimes.js';

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
      expect(python?.command[1]).toBe('/cache');
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
