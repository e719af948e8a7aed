import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  InvokeCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLamina, type LaminaProcess } from '@lamina/testkit';
import { makeZip } from '../support/zip.js';

/** Short enough for a test; the default is 10 minutes. */
const GRACE_MS = 1500;

const packageOf = (tag: string, blobBytes: number): Buffer =>
  makeZip({
    'index.js': `exports.handler = async () => ({ tag: ${JSON.stringify(tag)} });`,
    'blob.bin': randomBytes(blobBytes),
  });
const hexOf = (zip: Buffer): string => createHash('sha256').update(zip).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('code collection through @aws-sdk/client-lambda (local mode)', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  let codeDir: string;

  beforeAll(async () => {
    lamina = await startLamina({
      env: { LAMINA_CODE_GC_GRACE_MS: String(GRACE_MS), LAMINA_CODE_GC_INTERVAL_MS: '2000' },
    });
    codeDir = join(lamina.stateDir, 'code');
    client = new LambdaClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  const totalCodeSize = async (): Promise<number | undefined> =>
    (await client.send(new GetAccountSettingsCommand({}))).AccountUsage?.TotalCodeSize;
  const stored = (hex: string): boolean =>
    existsSync(join(codeDir, hex)) || existsSync(join(codeDir, `${hex}.zip`));
  const create = (name: string, zip: Buffer) =>
    client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip },
      }),
    );
  const invokeTag = async (name: string): Promise<string> => {
    const out = await client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    const text = Buffer.from(out.Payload ?? []).toString('utf8');
    expect(out.FunctionError, text).toBeUndefined();
    return (JSON.parse(text) as { tag: string }).tag;
  };

  it('removes a deleted function’s package and TotalCodeSize returns to what it was', async () => {
    const before = await totalCodeSize();
    const zip = packageOf('gone', 3 * 1024 * 1024);
    const hex = hexOf(zip);
    await create('gc-gone', zip);
    expect(stored(hex)).toBe(true);
    expect(await totalCodeSize()).toBe((before ?? 0) + zip.length);
    await client.send(new DeleteFunctionCommand({ FunctionName: 'gc-gone' }));
    await expect.poll(() => stored(hex), { timeout: 20_000, interval: 200 }).toBe(false);
    expect(await totalCodeSize()).toBe(before);
  }, 60_000);

  it('keeps content that is created again while a sweep removes it', async () => {
    const zip = packageOf('kept', 1024 * 1024);
    const hex = hexOf(zip);
    await create('gc-kept', zip);
    // Each round re-creates the function at another moment around the sweep that removes the
    // unreferenced package (about 1 s debounce + the grace after the delete).
    for (const delay of [0, 900, 1800, 2300, 2500, 2700, 2900, 3300]) {
      await client.send(new DeleteFunctionCommand({ FunctionName: 'gc-kept' }));
      await sleep(delay);
      await create('gc-kept', zip);
      expect(stored(hex), `re-created after ${delay} ms`).toBe(true);
      expect(await invokeTag('gc-kept')).toBe('kept');
    }
    // Referenced: sweeps after the grace leave it alone.
    await sleep(GRACE_MS * 2 + 2000);
    expect(existsSync(join(codeDir, hex))).toBe(true);
    expect(await invokeTag('gc-kept')).toBe('kept');
    await client.send(new DeleteFunctionCommand({ FunctionName: 'gc-kept' }));
  }, 120_000);
});
