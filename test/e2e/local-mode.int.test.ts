import { createHash } from 'node:crypto';

import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  PutFunctionConcurrencyCommand,
  type CreateFunctionCommandInput,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaminaProcess, startLamina, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

const HANDLER = `
let count = 0;
exports.handler = async (event, context) => {
  count++;
  if (event.fail) throw new Error('boom');
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  console.log('seen', JSON.stringify(event));
  return { event, count, requestId: context.awsRequestId, version: context.functionVersion,
           arn: context.invokedFunctionArn, env: process.env.COLOR };
};
`;

const decode = (p: Uint8Array | undefined): unknown =>
  JSON.parse(Buffer.from(p ?? []).toString('utf8'));

describe('local mode through @aws-sdk/client-lambda', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;
  const zip = makeZip({ 'index.js': HANDLER });
  const name = uniqueName('sdk');
  const create = (over: Partial<CreateFunctionCommandInput> = {}): Promise<unknown> =>
    client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/test',
        Code: { ZipFile: zip },
        Environment: { Variables: { COLOR: 'blue' } },
        Timeout: 1,
        ...over,
      }),
    );

  beforeAll(async () => {
    lamina = await startLamina();
    client = lambdaClient(lamina.url);
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('creates a function from a zip', async () => {
    const out = (await create()) as Record<string, unknown>;
    expect(out).toMatchObject({
      FunctionName: name,
      Runtime: 'nodejs22.x',
      MemorySize: 128,
      Timeout: 1,
      CodeSize: zip.length,
      CodeSha256: createHash('sha256').update(zip).digest('base64'),
      // As on AWS: Pending first, then Active (ADR 0033; "reads the function back").
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
      Version: '$LATEST',
    });
    expect(out['LastUpdateStatus']).toBeUndefined();
  });

  it('answers 409 on a duplicate create and ValidationException on memory 64', async () => {
    await expect(create()).rejects.toMatchObject({
      name: 'ResourceConflictException',
      $metadata: { httpStatusCode: 409 },
    });
    await expect(create({ FunctionName: `${name}-x`, MemorySize: 64 })).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    });
  });

  it('reads the function back', async () => {
    // Pending lasts milliseconds here, longer on a loaded machine: wait as an SDK user does.
    await waitUntilFunctionActiveV2(
      { client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { FunctionName: name },
    );
    const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
    expect(got.Configuration?.FunctionName).toBe(name);
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'Successful' });
    expect(got.Code?.RepositoryType).toBe('S3');
    const cfg = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(cfg.Environment?.Variables).toEqual({ COLOR: 'blue' });
    const list = await client.send(new ListFunctionsCommand({}));
    expect(list.Functions?.map((f) => f.FunctionName)).toContain(name);
  });

  it('invokes synchronously, warm the second time', async () => {
    const first = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: JSON.stringify({ a: 1 }) }),
    );
    expect(first.StatusCode).toBe(200);
    expect(first.FunctionError).toBeUndefined();
    expect(first.ExecutedVersion).toBe('$LATEST');
    const body = decode(first.Payload) as Record<string, unknown>;
    expect(body).toMatchObject({ event: { a: 1 }, version: '$LATEST', env: 'blue' });
    const second = decode(
      (await client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }))).Payload,
    );
    expect((second as { count: number }).count).toBeGreaterThan(1);
  });

  it('accepts a full ARN and passes it on as invokedFunctionArn', async () => {
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
    const out = await client.send(new InvokeCommand({ FunctionName: arn, Payload: '{}' }));
    expect((decode(out.Payload) as { arn: string }).arn).toBe(arn);
  });

  it('answers DryRun with 204 and runs nothing', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'DryRun' }),
    );
    expect(out.StatusCode).toBe(204);
  });

  it('returns the tail of the log', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: '{"x":2}', LogType: 'Tail' }),
    );
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/^START RequestId: \S+ Version: \$LATEST$/m);
    expect(log).toMatch(/\tINFO\tseen {"x":2}/);
    expect(log).toMatch(/^END RequestId: /m);
    expect(log).toMatch(
      /^REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t/m,
    );
  });

  it('reports a handler error as Unhandled with the Node.js error shape', async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: '{"fail":true}' }),
    );
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(decode(out.Payload)).toMatchObject({
      errorType: 'Error',
      errorMessage: 'boom',
      trace: expect.any(Array),
    });
  });

  it("times out with Lambda's message", async () => {
    const out = await client.send(
      new InvokeCommand({ FunctionName: name, Payload: '{"sleepMs":3000}' }),
    );
    expect(out.FunctionError).toBe('Unhandled');
    expect((decode(out.Payload) as { errorMessage: string }).errorMessage).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z \S+ Task timed out after 1\.00 seconds$/,
    );
    // The environment was replaced; the function still works.
    const after = await client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    expect(after.FunctionError).toBeUndefined();
  });

  it('rejects unknown functions, oversized and non-JSON payloads', async () => {
    await expect(
      client.send(new InvokeCommand({ FunctionName: 'no-such-fn' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    const big = JSON.stringify({ data: 'x'.repeat(6 * 1024 * 1024) });
    await expect(
      client.send(new InvokeCommand({ FunctionName: name, Payload: big })),
    ).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
    await expect(
      client.send(new InvokeCommand({ FunctionName: name, Payload: 'not json' })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('throttles with 429 when reserved concurrency is 0', async () => {
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 0 }),
    );
    await expect(
      client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' })),
    ).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      $metadata: { httpStatusCode: 429 },
    });
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
    const ok = await client.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
    expect(ok.StatusCode).toBe(200);
  });

  it('deletes the function', async () => {
    await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    await expect(client.send(new InvokeCommand({ FunctionName: name }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
