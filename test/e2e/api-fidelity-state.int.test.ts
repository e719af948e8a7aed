/**
 * Issue #16's state machine, tags and small operations in local mode, through the unmodified AWS
 * SDK v3 (cases in ../support/api-fidelity-state.ts) and boto3 (its waiters function_active_v2 and
 * function_updated_v2, and the deprecated invoke_async the SDK v3 no longer has). Transitions are
 * held 1.5 s (LAMINA_STATE_SETTLE_MS) so Pending/InProgress and the conflicts are observable.
 */
import { execFileSync, spawnSync } from 'node:child_process';

import { CreateFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLamina, type LaminaProcess, uniqueName } from '@lamina/testkit';
import { createInput } from '../support/api-fidelity.js';
import { checkStateMachine, checkTagsAndSettings } from '../support/api-fidelity-state.js';
import { lambdaClient } from '../support/lambda-client.js';

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
