/**
 * Hostile deployment packages against the real limits (Lambda's 250 MB unzipped, Lamina's 65,535
 * entries), and the table of them in docs/security.md: each row is this test's case, its answer
 * (the error name and message a client gets, or "accepted") and what is left on disk. The test
 * renders the table and compares it with the document's, between the `hostile-zips` markers;
 * `LAMINA_WRITE_DOCS=1` rewrites the document's table instead.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LIMITS } from '@lamina/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DiskCodeStore } from './disk-code-store.js';
import { buildZip, type ZipEntrySpec } from './test-support/build-zip.js';

const limits = { maxUnzippedBytes: LIMITS.unzippedMaxBytes, maxEntries: LIMITS.zipMaxEntries };
const DOC = new URL('../../../../docs/security.md', import.meta.url);
const BEGIN = '<!-- hostile-zips:begin -->';
const END = '<!-- hostile-zips:end -->';

interface Case {
  readonly archive: string;
  readonly entries: () => readonly ZipEntrySpec[];
  /** What is left in the unpacked folder when accepted. */
  readonly contained?: (dest: string) => Promise<string>;
}

const MB = 1024 * 1024;
const zeros = Buffer.alloc(24 * MB);
const CASES: readonly Case[] = [
  {
    archive: '100,000 entries (Zip64), 1 byte each',
    entries: () => Array.from({ length: 100_000 }, (_, i) => ({ name: `f${i}`, data: 'x' })),
  },
  {
    archive: 'zip bomb: 11 × 24 MiB of zeros deflated (~270 KB zipped, 264 MiB unzipped)',
    entries: () =>
      Array.from({ length: 11 }, (_, i) => ({ name: `z${i}`, data: zeros, deflate: true })),
  },
  {
    archive: 'zip bomb with lying headers: 24 MiB of zeros declared as 10 bytes',
    entries: () => [{ name: 'liar', data: zeros, deflate: true, declaredSize: 10 }],
  },
  {
    archive: 'declared sizes adding up past 250 MB (no real data)',
    entries: () => [
      { name: 'a', data: 'x', declaredSize: 200 * MB },
      { name: 'b', data: 'y', declaredSize: 200 * MB },
    ],
  },
  {
    archive: 'a zip inside the zip (42.zip style nesting)',
    entries: () => [
      { name: 'inner.zip', data: buildZip([{ name: 'x', data: zeros, deflate: true }]) },
    ],
    contained: async (d) =>
      `stored as one file of ${(await stat(join(d, 'inner.zip'))).size} bytes, never unpacked`,
  },
  { archive: 'entry `../evil.txt`', entries: () => [{ name: '../evil.txt', data: 'x' }] },
  { archive: 'entry `a/../../evil.txt`', entries: () => [{ name: 'a/../../evil.txt', data: 'x' }] },
  {
    archive: 'absolute entry `/etc/cron.d/evil`',
    entries: () => [{ name: '/etc/cron.d/evil', data: 'x' }],
  },
  { archive: 'Windows path `C:/evil.txt`', entries: () => [{ name: 'C:/evil.txt', data: 'x' }] },
  {
    archive: 'symlink to `../../etc/passwd`',
    entries: () => [{ name: 'l', data: '../../etc/passwd', mode: 0o120777 }],
  },
  {
    archive: 'symlink to absolute `/etc/passwd`',
    entries: () => [{ name: 'l', data: '/etc/passwd', mode: 0o120777 }],
  },
  {
    archive: 'chain of symlinks leading out (`d/up → ..`, `escape → d/up/..`)',
    entries: () => [
      { name: 'd/', mode: 0o040755 },
      { name: 'd/up', data: '..', mode: 0o120777 },
      { name: 'escape', data: 'd/up/..', mode: 0o120777 },
    ],
  },
  {
    archive: 'symlink inside the package (`node_modules/.bin/x → ../x/bin.js`)',
    entries: () => [
      { name: 'node_modules/x/bin.js', data: 'run', mode: 0o100755 },
      { name: 'node_modules/.bin/x', data: '../x/bin.js', mode: 0o120777 },
    ],
    contained: () => Promise.resolve('kept as a symlink inside the package'),
  },
  { archive: 'character device entry', entries: () => [{ name: 'tty', mode: 0o020666 }] },
  { archive: 'block device entry', entries: () => [{ name: 'sda', mode: 0o060660 }] },
  { archive: 'fifo entry', entries: () => [{ name: 'fifo', mode: 0o010644 }] },
  {
    archive: 'set-uid root-owned-style file (mode 04755)',
    entries: () => [{ name: 'suid', data: '#!/bin/sh\n', mode: 0o104755 }],
    contained: async (d) =>
      `unpacked with mode ${((await stat(join(d, 'suid'))).mode & 0o7777).toString(8)} (set-uid dropped)`,
  },
  {
    archive: 'the same name twice',
    entries: () => [
      { name: 'a', data: '1' },
      { name: 'a', data: '2' },
    ],
  },
  { archive: 'NUL in a name', entries: () => [{ name: 'a\0b', data: 'x' }] },
  { archive: 'not a zip at all', entries: () => [] },
];

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'lamina-hostile-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const rows: string[] = [];

/** Through the gateway's code store, as an upload goes: its answer and what stays on disk. */
async function outcome(c: Case, i: number): Promise<string> {
  const root = join(base, String(i));
  await mkdir(root);
  const store = new DiskCodeStore({ root, ...limits });
  const entries = c.entries();
  const zip = entries.length === 0 ? Buffer.from('PK\x05\x06 not a zip') : buildZip(entries);
  let dir: string;
  try {
    dir = (await store.putZip(zip)).dir;
  } catch (err) {
    const e = err as Error;
    // The store's own module boundary (package.json, ModuleBoundary) is there from the start.
    const left = (await readdir(root, { recursive: true })).filter((f) => f !== 'package.json');
    return `refused: ${e.name} "${e.message}" | ${left.length === 0 ? 'nothing' : left.join(', ')}`;
  }
  const kept = c.contained === undefined ? 'unexpected' : await c.contained(dir);
  return `accepted | ${kept}`;
}

describe('hostile zips (docs/security.md)', () => {
  it.each(CASES.map((c, i) => [c.archive, i] as const))(
    '%s',
    async (_name, i) => {
      const c = CASES[i];
      if (c === undefined) throw new Error('no case');
      const answer = await outcome(c, i);
      expect(answer.startsWith('accepted'), answer).toBe(c.contained !== undefined);
      if (c.contained === undefined) expect(answer).toMatch(/\| nothing$/);
      rows[i] = `| ${c.archive} | ${answer} |`;
    },
    120_000,
  );

  it('the table in docs/security.md is this test table', async () => {
    const table = ['| Archive | Answer | Left on disk |', '| --- | --- | --- |', ...rows].join(
      '\n',
    );
    const doc = await readFile(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    const current = doc.slice(start + BEGIN.length, end).trim();
    if (process.env['LAMINA_WRITE_DOCS'] === '1' && current !== table) {
      await writeFile(DOC, `${doc.slice(0, start + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
      return;
    }
    expect(current).toBe(table);
  });
});
