import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ProvisionedConfigStore } from './provisioned-config-store.js';

const rec = (qualifier: string, requested = 1) => ({
  functionName: 'hello',
  qualifier,
  requested,
  lastModified: '2026-01-02T03:04:05+0000',
});

describe('ProvisionedConfigStore', () => {
  it('keeps configs in its file across a restart', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pc-store-')), 'provisioned-concurrency.json');
    const a = new ProvisionedConfigStore({ file });
    await a.start();
    await a.put(rec('live', 2));
    await a.put(rec('1', 1));
    await a.delete('hello', 'live');
    const b = new ProvisionedConfigStore({ file });
    await b.start();
    expect(b.list('hello')).toEqual([rec('1', 1)]);
  });

  it('answers ProvisionedConcurrencyConfigNotFoundException for a missing config', async () => {
    const s = new ProvisionedConfigStore();
    await expect(s.delete('hello', '1')).rejects.toMatchObject({
      name: 'ProvisionedConcurrencyConfigNotFoundException',
    });
  });

  it('starts empty from an unreadable file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pc-store-')), 'bad.json');
    writeFileSync(file, '{not json');
    const s = new ProvisionedConfigStore({ file });
    await s.start();
    expect(s.all()).toEqual([]);
  });

  it('deleteFunction drops every qualifier of that function only', async () => {
    const s = new ProvisionedConfigStore();
    await s.put(rec('1'));
    await s.put({ ...rec('1'), functionName: 'other' });
    await s.deleteFunction('hello');
    expect(s.all().map((r) => r.functionName)).toEqual(['other']);
  });
});
