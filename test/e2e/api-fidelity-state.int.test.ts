/**
 * Issue #16's state machine, tags and small operations in local mode, through the unmodified AWS
 * SDK v3 (cases in ../support/api-fidelity-state.ts) and boto3 (its waiters function_active_v2 and
 * function_updated_v2, and the deprecated invoke_async the SDK v3 no longer has). Transitions are
 * held 1.5 s (LAMINA_STATE_SETTLE_MS) so Pending/InProgress and the conflicts are observable.
 */
import { execFileSync, spawnSync } from 'node:child_process';

import {
  CreateFunctionCommand,
  InvokeWithResponseStreamCommand,
  type LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLamina, type LaminaProcess, uniqueName } from '@lamina/testkit';
import { createInput } from '../support/api-fidelity.js';
import { checkStateMachine, checkTagsAndSettings } from '../support/api-fidelity-state.js';
import { lambdaClient } from '../support/lambda-client.js';
import { makeZip } from '../support/zip.js';

const STREAMING = `
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.setContentType('text/plain');
  responseStream.write('first;');
  await new Promise((r) => setTimeout(r, 300));
  responseStream.write('second;');
  responseStream.end('last');
});
`;
const FAILING = 'exports.handler = async () => { throw new TypeError("nope"); };';

/** The events of an InvokeWithResponseStream answer, chunks as text. */
async function eventsOf(client: LambdaClient, name: string) {
  const out = await client.send(
    new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: Buffer.from('{}') }),
  );
  const events: unknown[] = [];
  for await (const e of out.EventStream ?? []) {
    if (e.PayloadChunk !== undefined)
      events.push({ chunk: Buffer.from(e.PayloadChunk.Payload ?? []).toString() });
    if (e.InvokeComplete !== undefined) events.push({ complete: { ...e.InvokeComplete } });
  }
  return { status: out.StatusCode, version: out.ExecutedVersion, events };
}

const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

const BOTO3 = `
import json, sys, boto3
from botocore.config import Config
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id='test', aws_secret_access_key='test',
                 config=Config(retries={'max_attempts': 0}))
name = sys.argv[2]
fast = {'Delay': 1, 'MaxAttempts': 60}
c.get_waiter('function_active_v2').wait(FunctionName=name, WaiterConfig=fast)
first = c.get_function(FunctionName=name)['Configuration']
up = c.update_function_configuration(FunctionName=name, Timeout=7)
c.get_waiter('function_updated_v2').wait(FunctionName=name, WaiterConfig=fast)
last = c.get_function(FunctionName=name)['Configuration']
queued = c.invoke_async(FunctionName=name, InvokeArgs=b'{"a": 1}')
print(json.dumps({'first': [first['State'], first['LastUpdateStatus']],
                  'update': [up['LastUpdateStatus'], up.get('LastUpdateStatusReasonCode')],
                  'last': [last['State'], last['LastUpdateStatus'], last['Timeout']],
                  'async': [queued['ResponseMetadata']['HTTPStatusCode'], queued['Status']]}))
`;

describe('the state machine, tags and small operations (local mode)', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;

  beforeAll(async () => {
    lamina = await startLamina({ env: { LAMINA_STATE_SETTLE_MS: '1500' } });
    client = lambdaClient(lamina.url);
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('goes Pending → Active and InProgress → Successful with the SDK v3 waiters', async () => {
    await checkStateMachine(client, uniqueName('fid-st'), { held: true });
  }, 120_000);

  it('tags, code signing, runtime management, recursion, another account', async () => {
    await checkTagsAndSettings(client, uniqueName('fid-tag'));
  }, 60_000);

  it('streams with InvokeWithResponseStream: chunks as written, then InvokeComplete', async () => {
    const wait = { client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 };
    const streamer = uniqueName('fid-stream');
    const failing = uniqueName('fid-stream-err');
    for (const [name, source] of [
      [streamer, STREAMING],
      [failing, FAILING],
    ] as const) {
      await client.send(
        new CreateFunctionCommand(
          createInput(name, { Code: { ZipFile: makeZip({ 'index.js': source }) } }),
        ),
      );
      await waitUntilFunctionActiveV2(wait, { FunctionName: name });
    }
    const streamed = await eventsOf(client, streamer);
    expect(streamed.status).toBe(200);
    expect(streamed.version).toBe('$LATEST');
    expect(streamed.events.at(-1)).toEqual({ complete: {} });
    const text = streamed.events
      .flatMap((e) => ('chunk' in (e as object) ? [(e as { chunk: string }).chunk] : []))
      .join('');
    expect(text).toBe('first;second;last');
    expect(streamed.events.length).toBeGreaterThan(2);
    const failed = await eventsOf(client, failing);
    expect(failed.events.at(-1)).toMatchObject({ complete: { ErrorCode: 'TypeError' } });
  }, 120_000);

  it.skipIf(!hasBoto3)(
    "passes boto3's waiters and its invoke_async",
    async () => {
      const name = uniqueName('fid-bw');
      await client.send(new CreateFunctionCommand(createInput(name)));
      const out = JSON.parse(
        execFileSync('python3', ['-c', BOTO3, lamina.url, name], { encoding: 'utf8' }),
      ) as unknown;
      expect(out).toEqual({
        first: ['Active', 'Successful'],
        update: ['InProgress', 'Creating'],
        last: ['Active', 'Successful', 7],
        async: [202, 202],
      });
    },
    120_000,
  );
});
