/**
 * Issue #16 in local mode: AWS's validation messages, error names, statuses and texts, and the
 * FunctionConfiguration shape, through the unmodified AWS SDK v3 and boto3 (the contract cases
 * are in ../support/api-fidelity.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';

import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startLamina, type LaminaProcess, uniqueName } from '@lamina/testkit';
import {
  checkApiFidelity,
  checkEventInvokeConfigText,
  NAME_PATTERN,
} from '../support/api-fidelity.js';
import { lambdaClient } from '../support/lambda-client.js';

const hasBoto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

/** boto3, with its own client-side checks off so the server's answer is what is seen. */
const BOTO3 = `
import json, sys, boto3
from botocore.config import Config
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id='test', aws_secret_access_key='test',
                 config=Config(parameter_validation=False, retries={'max_attempts': 0}))
out = []
for call in (lambda: c.get_function(FunctionName='my-function!'),
             lambda: c.get_function(FunctionName='x' * 65),
             lambda: c.delete_function(FunctionName=sys.argv[2], Qualifier='$LATEST')):
    try:
        call()
        out.append(None)
    except c.exceptions.ClientError as e:
        out.append({'code': e.response['Error']['Code'], 'message': e.response['Error']['Message'],
                    'status': e.response['ResponseMetadata']['HTTPStatusCode']})
print(json.dumps(out))
`;

describe('API fidelity through @aws-sdk/client-lambda and boto3 (local mode)', () => {
  let lamina: LaminaProcess;
  let client: LambdaClient;

  beforeAll(async () => {
    lamina = await startLamina();
    client = lambdaClient(lamina.url);
  });
  afterAll(async () => {
    client.destroy();
    await lamina.stop();
  });

  it('answers as AWS does: validation, names, statuses, texts and shapes', async () => {
    await checkApiFidelity(client, uniqueName('fid'));
  }, 60_000);

  it("says a function has no EventInvokeConfig in AWS's words", async () => {
    await checkEventInvokeConfigText(client, uniqueName('fid-eic'));
  });

  it.skipIf(!hasBoto3)(
    'gives boto3 the same errors',
    async () => {
      const name = uniqueName('fid-py');
      const { CreateFunctionCommand, DeleteFunctionCommand } =
        await import('@aws-sdk/client-lambda');
      const { createInput } = await import('../support/api-fidelity.js');
      const created = await client.send(new CreateFunctionCommand(createInput(name)));
      const arn = created.FunctionArn ?? '';
      const out = JSON.parse(
        execFileSync('python3', ['-c', BOTO3, lamina.url, name], { encoding: 'utf8' }),
      ) as unknown;
      expect(out).toEqual([
        {
          code: 'ValidationException',
          status: 400,
          message: `1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
        },
        {
          code: 'ResourceNotFoundException',
          status: 404,
          message: `Function not found: ${arn.slice(0, arn.lastIndexOf(':'))}:${'x'.repeat(65)}`,
        },
        {
          code: 'InvalidParameterValueException',
          status: 400,
          message: '$LATEST version cannot be deleted without deleting the function.',
        },
      ]);
      await client.send(new DeleteFunctionCommand({ FunctionName: name }));
    },
    60_000,
  );
});
