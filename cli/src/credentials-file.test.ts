import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { credentialsFile } from './credentials-file.js';

const ROLE = 'arn:aws:iam::123456789012:role/app';

describe('credentialsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lamina-creds-'));
  afterEach(() => {
    rmSync(join(dir, 'c.json'), { force: true });
  });
  const warnings: string[] = [];
  const logger = { warn: (_o: object, msg: string) => warnings.push(msg) };

  it('maps role ARNs to STS-shaped credentials and follows edits', () => {
    const file = join(dir, 'c.json');
    const lookup = credentialsFile(file, logger);
    expect(lookup(ROLE)).toBeUndefined();
    writeFileSync(
      file,
      JSON.stringify({
        [ROLE]: { AccessKeyId: 'AKIA1', SecretAccessKey: 's1', SessionToken: 't1' },
      }),
    );
    expect(lookup(ROLE)).toEqual({
      accessKeyId: 'AKIA1',
      secretAccessKey: 's1',
      sessionToken: 't1',
    });
    expect(lookup('arn:aws:iam::123456789012:role/other')).toBeUndefined();
    expect(lookup(undefined)).toBeUndefined();
    writeFileSync(
      file,
      JSON.stringify({ [ROLE]: { AccessKeyId: 'AKIA22', SecretAccessKey: 's22' } }),
    );
    expect(lookup(ROLE)).toEqual({ accessKeyId: 'AKIA22', secretAccessKey: 's22' });
  });

  it('maps nothing from a broken file or entry, and says so', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, '{ not json');
    expect(credentialsFile(file, logger)(ROLE)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ [ROLE]: { AccessKeyId: 'AKIA1' } }));
    expect(credentialsFile(file, logger)(ROLE)).toBeUndefined();
    expect(warnings.length).toBeGreaterThanOrEqual(2);
  });
});
