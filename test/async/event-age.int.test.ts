import {
  InvokeCommand,
  type LambdaClient,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type LaminaProcess, startLamina, testEnv, uniqueName } from '@lamina/testkit';

import { lambdaClient } from '../support/lambda-client.js';
import { createRecordingFunction, readQueue } from './support/async-harness.js';

// The smallest MaximumEventAgeInSeconds is 60: this file takes about a minute, and runs in
// parallel with the others.
describe('maximum event age', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;

  beforeAll(async () => {
    lamina = await startLamina({
      env: {
        REDIS_URL: testEnv.require('REDIS_URL'),
        LAMINA_REDIS_PREFIX: uniqueName('age'),
        // The recording handlers append to a host file (RUN_LOG) the sandbox hides (ADR 0029).
        LAMINA_SANDBOX: 'off',
        LAMINA_ASYNC_THROTTLE_MAX_MS: '2000',
      },
    });
    client = lambdaClient(lamina.url);
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('sends an event throttled past its maximum age to OnFailure with EventAgeExceeded', async () => {
    const fn = await createRecordingFunction(client, 'async-age');
    const failures = uniqueName('aged');
    await client.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: fn.name,
        MaximumEventAgeInSeconds: 60,
        DestinationConfig: { OnFailure: { Destination: `lamina:queue:${failures}` } },
      }),
    );
    await client.send(
      new PutFunctionConcurrencyCommand({ FunctionName: fn.name, ReservedConcurrentExecutions: 0 }),
    );
    const started = Date.now();
    const out = await client.send(
      new InvokeCommand({
        FunctionName: fn.name,
        InvocationType: 'Event',
        Payload: '{"old":true}',
      }),
    );
    const [m] = await eventually(
      async () => {
        const got = await readQueue(lamina.url, failures);
        return got.length > 0 ? got : undefined;
      },
      { what: 'the EventAgeExceeded record', timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(59_000);
    expect(JSON.parse(m?.Body ?? '')).toMatchObject({
      requestContext: {
        requestId: out.$metadata.requestId,
        condition: 'EventAgeExceeded',
        approximateInvokeCount: 0,
      },
      requestPayload: { old: true },
      responseContext: { statusCode: 429 },
    });
    expect(fn.runs()).toHaveLength(0);
  }, 120_000);
});
