import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { keyBytesOf, LaminaError, type VersionRecord } from '@lamina/core';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ENV_KEY_FILE, EnvSealer, KMS_KEYS_DIR } from './env-sealer.js';
import { FileVersionStore } from './file-version-store.js';
import { record, StoreFixture } from './test-support/store-fixture.js';

const SECRET = 'hunter2-do-not-store';
const env = { DB_PASSWORD: SECRET, MODE: 'prod' };

const f = new StoreFixture();
beforeEach(() => f.setUp());
afterEach(() => f.tearDown());

const withEnv = (name: string) => {
  const r = record(name);
  return { ...r, spec: { ...r.spec, environment: env } };
};

describe('EnvSealer', () => {
  it('seals and opens; the envelope is bound to its record and its key', () => {
    const sealer = new EnvSealer(f.stateDir);
    const sealed = sealer.seal(env, 'fn');
    expect(JSON.stringify(sealed)).not.toContain(SECRET);
    expect(sealer.open(sealed, 'fn')).toEqual(env);
    expect(() => sealer.open(sealed, 'other')).toThrow(/does not open/);
    const tampered = { ...sealed, data: Buffer.from('x'.repeat(60)).toString('base64') };
    expect(() => sealer.open(tampered, 'fn')).toThrow(/does not open/);
  });

  it('creates the key file 0600 on first use, and a second sealer (process) uses it', async () => {
    const a = new EnvSealer(f.stateDir);
    const sealed = a.seal(env, 'fn');
    const st = await stat(join(f.stateDir, ENV_KEY_FILE));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(32);
    expect(new EnvSealer(f.stateDir).open(sealed, 'fn')).toEqual(env);
  });
});

describe('FileFunctionStore with a sealer', () => {
  it('writes no plaintext value to the state file, and reads the variables back', async () => {
    const sealer = new EnvSealer(f.stateDir);
    const store = await f.open({ sealer });
    await store.create(withEnv('fn'));
    const text = await readFile(join(f.stateDir, 'functions', 'fn.json'), 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('"environment"');
    expect(text).toContain('sealedEnvironment');
    expect(store.get('fn')?.spec.environment).toEqual(env);
    // Another process (a new sealer on the same state dir) opens it too.
    const other = await f.open({ sealer: new EnvSealer(f.stateDir) });
    expect(other.get('fn')?.spec.environment).toEqual(env);
  });

  it('loads a plaintext record written before sealing, and seals it on the next update', async () => {
    const plain = await f.open();
    await plain.create(withEnv('old'));
    const file = join(f.stateDir, 'functions', 'old.json');
    expect(await readFile(file, 'utf8')).toContain(SECRET);
    const store = await f.open({ sealer: new EnvSealer(f.stateDir) });
    expect(store.get('old')?.spec.environment).toEqual(env);
    await store.update('old', (r) => ({ ...r, spec: { ...r.spec, timeout: 9 } }));
    expect(await readFile(file, 'utf8')).not.toContain(SECRET);
    expect(store.get('old')?.spec.environment).toEqual(env);
  });

  it('reports a record whose envelope does not open (key replaced) instead of failing', async () => {
    const store = await f.open({ sealer: new EnvSealer(f.stateDir) });
    await store.create(withEnv('fn'));
    await writeFile(join(f.stateDir, ENV_KEY_FILE), Buffer.alloc(32, 7));
    const other = await f.open({ sealer: new EnvSealer(f.stateDir) });
    expect(other.get('fn')).toBeUndefined();
    expect(f.logs.some((l) => JSON.stringify(l).includes('does not open'))).toBe(true);
  });
});

describe('FileVersionStore with a sealer', () => {
  it('writes versions sealed and reads them back after a restart', async () => {
    const logger = pino({ level: 'silent' });
    const ctx = { region: 'us-east-1', accountId: '000000000000' };
    const open = async () => {
      const s = new FileVersionStore({
        stateDir: f.stateDir,
        arnContext: ctx,
        logger,
        rescanIntervalMs: 60_000,
        sealer: new EnvSealer(f.stateDir),
      });
      await s.start();
      return s;
    };
    const a = await open();
    const base = withEnv('fn');
    await a.publish('fn', (_last, next) => ({
      kind: 'create',
      record: {
        functionName: 'fn',
        version: next,
        spec: base.spec,
        code: base.code,
        description: '',
        lastModified: base.lastModified,
        revisionId: 'rev-1',
      } satisfies VersionRecord,
    }));
    const dir = join(f.stateDir, 'versions');
    for (const file of await readdir(dir))
      expect(await readFile(join(dir, file), 'utf8')).not.toContain(SECRET);
    await a.close();
    const b = await open();
    expect(b.getVersion('fn', '1')?.spec.environment).toEqual(env);
    await b.close();
  });
});

describe('EnvSealer with a KMSKeyArn (ADR 0039)', () => {
  const ARN = 'arn:aws:kms:us-east-1:000000000000:key/team-key';

  it('wraps the data key with the named key file, and opens only while that file holds it', async () => {
    const sealer = new EnvSealer(f.stateDir);
    const keyDir = join(f.stateDir, KMS_KEYS_DIR);
    await mkdir(keyDir, { recursive: true });
    await writeFile(join(keyDir, 'team-key'), `${randomBytes(32).toString('hex')}\n`);
    const r = withEnv('fn');
    const sealed = sealer.sealRecord({ ...r, spec: { ...r.spec, kmsKeyArn: ARN } }, 'fn') as {
      spec: { sealedEnvironment: { keyId: string }; kmsKeyArn: string };
    };
    expect(sealed.spec.sealedEnvironment.keyId).toBe('kms:team-key');
    expect(JSON.stringify(sealed)).not.toContain(SECRET);
    const opened = sealer.openRecord(sealed, 'fn') as { spec: { environment: unknown } };
    expect(opened.spec.environment).toEqual(env);
    // The state dir's own key does not open it; a replaced key file does not either.
    await writeFile(join(keyDir, 'team-key'), randomBytes(32));
    expect(() => sealer.openRecord(sealed, 'fn')).toThrow(/does not open/);
    await rm(join(keyDir, 'team-key'));
    expect(() => sealer.openRecord(sealed, 'fn')).toThrow(/no key kms:team-key/);
  });

  it("refuses a record naming a key with no file, with Lambda's InvalidParameterValue", () => {
    const sealer = new EnvSealer(f.stateDir);
    const r = record('fn');
    const write = () => sealer.sealRecord({ ...r, spec: { ...r.spec, kmsKeyArn: ARN } }, 'fn');
    expect(write).toThrow(LaminaError);
    expect(write).toThrow(/NotFoundException KMS Message: Key 'arn:aws:kms:.*' does not exist/);
  });

  it('reads a key file as 32 raw bytes, 64 hex digits or base64', () => {
    const key = randomBytes(32);
    expect(keyBytesOf(key)).toEqual(key);
    expect(keyBytesOf(Buffer.from(key.toString('hex')))).toEqual(key);
    expect(keyBytesOf(Buffer.from(`${key.toString('base64')}\n`))).toEqual(key);
    expect(keyBytesOf(Buffer.from('short'))).toBeUndefined();
  });
});
