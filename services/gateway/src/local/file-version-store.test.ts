import { chmod, mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AliasRecord, LaminaError, PublishDecision, VersionRecord } from '@lamina/core';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CodeSnapshots } from '../code/code-snapshots.js';
import { FileVersionStore } from './file-version-store.js';
import { hashDirectory } from '../code/hash-directory.js';
import { MemoryVersionStore } from './memory-version-store.js';

const ctx = { region: 'us-east-1', accountId: '000000000000' };
const logger = pino({ level: 'silent' });

function version(fn: string, n: string, sha = 'c2hh'): VersionRecord {
  return {
    functionName: fn,
    version: n,
    spec: {
      name: fn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      description: '',
      role: 'r',
      memorySize: 128,
      timeout: 3,
      ephemeralStorage: 512,
      environment: {},
      architectures: ['x86_64'],
    },
    code: { sha256: sha, size: 1, location: `/code/${sha}` },
    description: '',
    lastModified: '2026-01-01T00:00:00.000+0000',
    revisionId: `rev-${n}`,
  };
}

const alias = (fn: string, name: string, to: string, w = {}): AliasRecord => ({
  functionName: fn,
  name,
  functionVersion: to,
  description: '',
  additionalVersionWeights: w,
  revisionId: `rev-${name}`,
});

const create = (fn: string) => (_last: VersionRecord | undefined, next: string) =>
  ({ kind: 'create', record: version(fn, next) }) satisfies PublishDecision;

async function caught(p: Promise<unknown>): Promise<LaminaError> {
  try {
    await p;
  } catch (err) {
    return err as LaminaError;
  }
  throw new Error('expected a rejection');
}

let stateDir: string;
const stores: FileVersionStore[] = [];
const open = async (): Promise<FileVersionStore> => {
  const s = new FileVersionStore({ stateDir, arnContext: ctx, logger, rescanIntervalMs: 60_000 });
  stores.push(s);
  await s.start();
  return s;
};

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'lamina-versions-'));
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await rm(stateDir, { recursive: true, force: true });
});

describe.each([
  ['memory', () => Promise.resolve(new MemoryVersionStore(ctx))],
  ['files', open],
] as const)('%s version store', (_kind, make) => {
  it('numbers versions 1, 2, … and never reuses a deleted number', async () => {
    const s = await make();
    expect((await s.publish('fn', create('fn'))).record.version).toBe('1');
    expect((await s.publish('fn', create('fn'))).record.version).toBe('2');
    await s.deleteVersion('fn', '2');
    expect(s.getVersion('fn', '2')).toBeUndefined();
    expect((await s.publish('fn', create('fn'))).record.version).toBe('3');
    expect(s.listVersions('fn').map((v) => v.version)).toEqual(['1', '3']);
    expect((await caught(s.deleteVersion('fn', '2'))).name).toBe('ResourceNotFoundException');
  });

  it('passes the newest live version to decide and keeps an existing one', async () => {
    const s = await make();
    await s.publish('fn', create('fn'));
    const seen: (string | undefined)[] = [];
    const out = await s.publish('fn', (last, next) => {
      seen.push(last?.version, next);
      return { kind: 'existing', record: last ?? version('fn', next) };
    });
    expect(seen).toEqual(['1', '2']);
    expect(out.kind).toBe('existing');
    expect(s.listVersions('fn')).toHaveLength(1);
  });

  it('keeps aliases, refuses duplicates and deleting a version an alias uses', async () => {
    const s = await make();
    await s.publish('fn', create('fn'));
    await s.publish('fn', create('fn'));
    await s.createAlias(alias('fn', 'prod', '1', { '2': 0.3 }));
    expect((await caught(s.createAlias(alias('fn', 'prod', '1')))).name).toBe(
      'ResourceConflictException',
    );
    const inUse = await caught(s.deleteVersion('fn', '2'));
    expect(inUse.name).toBe('ResourceConflictException');
    expect(inUse.message).toContain('[prod]');
    const updated = await s.updateAlias('fn', 'prod', (a) => ({
      ...a,
      additionalVersionWeights: {},
      revisionId: 'next',
    }));
    expect(updated.revisionId).toBe('next');
    expect(s.getAlias('fn', 'prod')).toEqual(updated);
    await s.deleteVersion('fn', '2');
    await s.createAlias(alias('fn', 'beta', '$LATEST'));
    expect(s.listAliases('fn').map((a) => a.name)).toEqual(['beta', 'prod']);
    await s.deleteAlias('fn', 'beta');
    expect((await caught(s.deleteAlias('fn', 'beta'))).name).toBe('ResourceNotFoundException');
    expect((await caught(s.updateAlias('fn', 'beta', (a) => a))).name).toBe(
      'ResourceNotFoundException',
    );
  });

  it('forgets everything of a deleted function; numbering starts again', async () => {
    const s = await make();
    await s.publish('fn', create('fn'));
    await s.publish('other', create('other'));
    await s.createAlias(alias('fn', 'prod', '1'));
    await s.deleteFunction('fn');
    expect(s.listVersions('fn')).toEqual([]);
    expect(s.getAlias('fn', 'prod')).toBeUndefined();
    expect(s.listVersions('other')).toHaveLength(1);
    expect((await s.publish('fn', create('fn'))).record.version).toBe('1');
  });
});

describe('FileVersionStore across processes', () => {
  it('a second store sees versions and aliases, and a restart keeps them', async () => {
    const a = await open();
    await a.publish('fn', create('fn'));
    await a.createAlias(alias('fn', 'prod', '1'));
    const b = await open();
    expect(b.getVersion('fn', '1')).toEqual(a.getVersion('fn', '1'));
    expect(b.getAlias('fn', 'prod')).toEqual(a.getAlias('fn', 'prod'));

    // b publishes 2 while a has not rescanned: a learns on its next publish and takes 3.
    await b.publish('fn', create('fn'));
    expect((await a.publish('fn', create('fn'))).record.version).toBe('3');
    await b.rescan();
    expect(b.listVersions('fn').map((v) => v.version)).toEqual(['1', '2', '3']);
    const files = (await readdir(join(stateDir, 'versions'))).sort();
    expect(files).toEqual(['fn.a.prod.json', 'fn.v.1.json', 'fn.v.2.json', 'fn.v.3.json']);
  });

  it('concurrent publishes from two stores never share a number', async () => {
    const [a, b] = [await open(), await open()];
    const out = await Promise.all([
      ...Array.from({ length: 5 }, () => a.publish('fn', create('fn'))),
      ...Array.from({ length: 5 }, () => b.publish('fn', create('fn'))),
    ]);
    const numbers = out.map((d) => Number(d.record.version)).sort((x, y) => x - y);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('an alias update reads the file as it is on disk now', async () => {
    const [a, b] = [await open(), await open()];
    await a.publish('fn', create('fn'));
    await a.createAlias(alias('fn', 'prod', '1'));
    await b.rescan();
    await a.updateAlias('fn', 'prod', (x) => ({ ...x, revisionId: 'from-a' }));
    const seen: string[] = [];
    await b.updateAlias('fn', 'prod', (x) => {
      seen.push(x.revisionId);
      return x;
    });
    expect(seen).toEqual(['from-a']);
  });

  it('skips a broken file and keeps the rest', async () => {
    const a = await open();
    await a.publish('fn', create('fn'));
    await writeFile(join(stateDir, 'versions', 'fn.v.2.json'), '{nope');
    const b = await open();
    expect(b.listVersions('fn').map((v) => v.version)).toEqual(['1']);
  });
});

describe('CodeSnapshots', () => {
  it('copies a code folder to a content-addressed place; code store code is kept', async () => {
    const src = join(stateDir, 'src');
    await mkdir(join(src, 'lib'), { recursive: true });
    await writeFile(join(src, 'index.js'), 'exports.handler = async () => 1;');
    await writeFile(join(src, 'lib', 'run.sh'), '#!/bin/sh\n');
    await chmod(join(src, 'lib', 'run.sh'), 0o755);
    const digest = await hashDirectory(src);
    const snapshots = new CodeSnapshots({
      root: join(stateDir, 'snapshots'),
      immutableRoots: [join(stateDir, 'code')],
    });
    const frozen = await snapshots.freeze({ ...digest, location: src });
    expect(frozen.sha256).toBe(digest.sha256);
    expect(frozen.location).toBe(
      join(stateDir, 'snapshots', Buffer.from(digest.sha256, 'base64').toString('hex')),
    );
    // Changing the source later does not touch the snapshot; freezing again reuses it.
    await writeFile(join(src, 'index.js'), 'exports.handler = async () => 2;');
    expect(await readFile(join(frozen.location, 'index.js'), 'utf8')).toContain('=> 1');
    expect(await snapshots.freeze({ ...frozen, location: frozen.location })).toEqual(frozen);
    const again = await snapshots.freeze({ ...digest, location: src });
    expect(again.sha256).not.toBe(digest.sha256);

    const stored = { sha256: 'x', size: 1, location: join(stateDir, 'code', 'abc') };
    expect(await snapshots.freeze(stored)).toBe(stored);
    // Snapshots sit under a module boundary: no host package.json decides how .js is loaded.
    expect(
      JSON.parse(await readFile(join(stateDir, 'snapshots', 'package.json'), 'utf8')),
    ).not.toHaveProperty('type');
  });
});
