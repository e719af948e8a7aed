import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { resolveSettings, writeProfile } from './settings.js';

describe('settings', () => {
  const home = mkdtempSync(join(tmpdir(), 'lamina-home-'));
  const env = { HOME: home };

  it('defaults to local mode on LAMINA_PORT or 9000, as a table', () => {
    expect(resolveSettings({}, env)).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      output: 'table',
    });
    expect(resolveSettings({}, { ...env, LAMINA_PORT: '9100' }).endpoint).toBe(
      'http://127.0.0.1:9100',
    );
  });

  it('takes flag over environment over profile', () => {
    writeProfile(join(home, '.config', 'lamina', 'config.json'), 'prod', {
      endpoint: 'http://prod:9000',
    });
    expect(resolveSettings({ profile: 'prod' }, env).endpoint).toBe('http://prod:9000');
    expect(
      resolveSettings({ profile: 'prod' }, { ...env, LAMINA_ENDPOINT: 'http://e:1' }).endpoint,
    ).toBe('http://e:1');
    expect(resolveSettings({ profile: 'prod', endpoint: 'http://f:2/' }, env).endpoint).toBe(
      'http://f:2',
    );
  });

  it('says how to add a missing profile and rejects bad values', () => {
    expect(() => resolveSettings({ profile: 'nope' }, env)).toThrow(/lamina profile set nope/);
    expect(() => resolveSettings({ output: 'yaml' }, env)).toThrow(/json or table/);
    expect(() => resolveSettings({ endpoint: 'not a url' }, env)).toThrow(/not a URL/);
  });
});
