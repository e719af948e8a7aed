/**
 * KMSKeyArn and VpcConfig in local mode through the unmodified SDK (issue #18, ADR 0039): a
 * function naming a key of `<stateDir>/kms-keys/` has its variables sealed under that key (its
 * state file names the key, holds no value); a key with no file is Lambda's
 * InvalidParameterValueException; VpcConfig is stored and returned as AWS shapes it, and the
 * gateway says it is not enforced locally.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeZip } from '../support/zip.js';

const SECRET = `value-${randomBytes(6).toString('hex')}`;
const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/local-key';
const MISSING_ARN = 'arn:aws:kms:us-east-1:000000000000:key/no-such-key';
const code = makeZip({
  'index.js': 'exports.handler = async () => ({ secret: process.env.DB_PASSWORD ?? null });',
});

/** Which key sealed a state file's variables. */
const keyIdOf = (file: string): unknown =>
  (JSON.parse(file) as { spec: { sealedEnvironment?: { keyId?: unknown } } }).spec.sealedEnvironment
    ?.keyId;

describe('local mode: KMSKeyArn seals with the named key; VpcConfig stored, not enforced', () => {
  let dir: string;
  let lamina: LaminaProcess;
  let client: LambdaClient;
  const fn = uniqueName('kms');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lamina-kms-'));
    const stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, 'kms-keys'), { recursive: true });
    writeFileSync(join(stateDir, 'kms-keys', 'local-key'), randomBytes(32).toString('hex'));
    lamina = await startLamina({ stateDir, readyTimeoutMs: 120_000 });
    client = new LambdaClient({
      endpoint: lamina.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  }, 120_000);

  afterAll(async () => {
    client.destroy();
    await lamina.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (name: string, kms: string) =>
    client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/r',
        Code: { ZipFile: code },
        Environment: { Variables: { DB_PASSWORD: SECRET } },
        KMSKeyArn: kms,
        VpcConfig: { SubnetIds: ['subnet-a'], SecurityGroupIds: ['sg-platform'] },
      }),
    );

  it('refuses a key that does not exist, as Lambda does', async () => {
    const err = await create(uniqueName('nokey'), MISSING_ARN).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400 },
    });
    expect((err as Error).message).toContain(`Key '${MISSING_ARN}' does not exist`);
  });

  it('seals under the named key, returns KMSKeyArn, VpcConfig and the variables, and runs', async () => {
    await create(fn, KEY_ARN);
    const conf = await client.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    expect(conf.KMSKeyArn).toBe(KEY_ARN);
    expect(conf.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
    expect(conf.VpcConfig).toEqual({
      SubnetIds: ['subnet-a'],
      SecurityGroupIds: ['sg-platform'],
      VpcId: 'vpc-lamina',
      Ipv6AllowedForDualStack: false,
    });
    const file = readFileSync(join(lamina.stateDir, 'functions', `${fn}.json`), 'utf8');
    expect(file).not.toContain(SECRET);
    expect(keyIdOf(file)).toBe('kms:local-key');
    const res = await client.send(new InvokeCommand({ FunctionName: fn, Payload: '{}' }));
    expect(JSON.parse(Buffer.from(res.Payload ?? []).toString())).toEqual({ secret: SECRET });
    expect(lamina.logs()).toContain('VpcConfig is stored but not enforced in local mode');
  });

  it('UpdateFunctionConfiguration clears KMSKeyArn and VpcConfig', async () => {
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn,
        KMSKeyArn: '',
        VpcConfig: { SubnetIds: [], SecurityGroupIds: [] },
      }),
    );
    await waitUntilFunctionUpdatedV2(
      { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 },
      { FunctionName: fn },
    );
    const conf = await client.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    expect(conf.KMSKeyArn).toBeUndefined();
    expect(conf.VpcConfig).toBeUndefined();
    expect(conf.Environment?.Variables).toEqual({ DB_PASSWORD: SECRET });
    const file = readFileSync(join(lamina.stateDir, 'functions', `${fn}.json`), 'utf8');
    expect(keyIdOf(file)).toBe('local');
  });
});
