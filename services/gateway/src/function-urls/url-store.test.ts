import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FunctionUrlRecord } from '@lamina/core';
import { afterEach, describe, expect, it } from 'vitest';

import { FileUrlStore } from './url-store.js';

const base: FunctionUrlRecord = {
  urlId: 'id1',
  functionName: 'hello',
  authType: 'NONE',
  invokeMode: 'BUFFERED',
  creationTime: 't',
  lastModifiedTime: 't',
  port: 4321,
};

describe('FileUrlStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const fileIn = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'urls-'));
    dirs.push(d);
    return join(d, 'function-urls.json');
  };

  it('keeps records across restarts, one per qualifier', async () => {
    const file = fileIn();
    const a = new FileUrlStore({ file });
    await a.put(base);
    await a.put({ ...base, urlId: 'id2', qualifier: 'live' });
    const b = new FileUrlStore({ file });
    await b.start();
    expect((await b.list('hello')).map((r) => r.qualifier)).toEqual([undefined, 'live']);
    expect((await b.byId('id2'))?.qualifier).toBe('live');
    expect((await b.get('hello', undefined))?.port).toBe(4321);
    expect(await b.delete('hello', 'live')).toMatchObject({ urlId: 'id2' });
    expect(await b.delete('hello', 'live')).toBeUndefined();
    const c = new FileUrlStore({ file });
    await c.start();
    expect(await c.all()).toHaveLength(1);
  });

  it('starts empty on an unreadable file', async () => {
    const file = fileIn();
    writeFileSync(file, '{not json');
    const s = new FileUrlStore({ file });
    await s.start();
    expect(await s.all()).toEqual([]);
  });
});
