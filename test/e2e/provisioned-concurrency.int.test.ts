import {
  CreateFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  LambdaClient,
  ListProvisionedConcurrencyConfigsCommand,
  PublishVersionCommand,
  PutProvisionedConcurrencyConfigCommand,
} from '@aws-sdk/client-lambda';
import { type LaminaProcess, eventually, startLamina, uniqueName } from '@lamina/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

// Init records when it ran; each call says how many calls its environment has served. An
// environment names itself with a random id (its pid is the same in every sandbox, ADR 0029).
const handler = `
const initAt = Date.now();
const envId = require('node:crypto').randomUUID();
let calls = 0;
exports.handler = async () => {
  calls += 1;
  await new Promise((r) => setTimeout(r, 300));
  return { initAt, calls, envId, type: process.env.AWS_LAMBDA_INITIALIZATION_TYPE };
};
`;

interface Ran {
  initAt: number;
  calls: number;
  envId: string;
  type: string;
}

describe('provisioned concurrency through @aws-sdk/client-lambda (local mode)', () => {
  const name = uniqueName('pc');
  let lamina: LaminaProcess;
  let client: LambdaClient;

  const invoke = async (Qualifier: string): Promise<{ ran: Ran; log: string }> => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, Qualifier, Payload: '{}', LogType: 'Tail' }),
    );
    const text = Buffer.from(out.Payload ?? []).toString('utf8');
    expect(out.FunctionError, text).toBeUndefined();
    return {
      ran: JSON.parse(text) as Ran,
      log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8'),
    };
  };

  beforeAll(async () => {
    lamina = await startLamina();
    client = lambdaClient(lamina.url, { maxSockets: 16 });
    await client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: makeZip({ 'index.js': handler }) },
        Timeout: 30,
      }),
    );
    const v = await client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v.Version).toBe('1');
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('refuses $LATEST', async () => {
    await expect(
      client.send(
        new PutProvisionedConcurrencyConfigCommand({
          FunctionName: name,
          Qualifier: '$LATEST',
          ProvisionedConcurrentExecutions: 1,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      message: expect.stringContaining('$LATEST') as unknown,
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('provisions 2 initialised environments of version 1; their calls have no Init Duration', async () => {
    const put = await client.send(
      new PutProvisionedConcurrencyConfigCommand({
        FunctionName: name,
        Qualifier: '1',
        ProvisionedConcurrentExecutions: 2,
      }),
    );
    expect(put).toMatchObject({ RequestedProvisionedConcurrentExecutions: 2 });
    expect(['IN_PROGRESS', 'READY']).toContain(put.Status);
    const ready = await eventually(
      async () => {
        const got = await client.send(
          new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }),
        );
        return got.Status === 'READY' && got;
      },
      { what: 'Status READY', timeoutMs: 30_000 },
    );
    expect(ready).toMatchObject({
      RequestedProvisionedConcurrentExecutions: 2,
      AvailableProvisionedConcurrentExecutions: 2,
      AllocatedProvisionedConcurrentExecutions: 2,
    });
    expect(ready.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);

    const firstCallAt = Date.now();
    const results = await Promise.all([invoke('1'), invoke('1')]);
    expect(new Set(results.map((r) => r.ran.envId)).size).toBe(2);
    for (const { ran, log } of results) {
      expect(ran.calls).toBe(1);
      expect(ran.initAt).toBeLessThan(firstCallAt);
      expect(ran.type).toBe('provisioned-concurrency');
      expect(log).toMatch(/REPORT RequestId:/);
      expect(log).not.toContain('Init Duration');
    }
  });

  it('lists the config with its qualified ARN', async () => {
    const list = await client.send(
      new ListProvisionedConcurrencyConfigsCommand({ FunctionName: name }),
    );
    expect(list.ProvisionedConcurrencyConfigs).toEqual([
      expect.objectContaining({
        FunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}:1`,
        RequestedProvisionedConcurrentExecutions: 2,
        Status: 'READY',
      }),
    ]);
  });

  it('delete returns the version to on-demand: Get answers 404', async () => {
    await client.send(
      new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }),
    );
    await expect(
      client.send(
        new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: '1' }),
      ),
    ).rejects.toMatchObject({
      name: 'ProvisionedConcurrencyConfigNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    const { ran, log } = await invoke('1');
    expect(ran.type).toBe('on-demand');
    expect(log).toContain('Init Duration');
  });
});
