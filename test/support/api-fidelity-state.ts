/**
 * Issue #16's second half as contract cases any Lamina endpoint must pass through the unmodified
 * AWS SDK v3 (shared by the local and cluster suites): the state machine with AWS's reasons and
 * the SDK waiters, RevisionId per transition, tags, the small per-function operations, an
 * EventInvokeConfig on a version, and another account's ARN.
 *
 * Invariants: functions are named from the unique `name` and deleted at the end; messages are
 * compared whole. `held` says the endpoint keeps transitions open long enough to see the conflict
 * of a second update (local mode with LAMINA_STATE_SETTLE_MS); without it that case is skipped.
 */
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetRuntimeManagementConfigCommand,
  type LambdaClient,
  ListCodeSigningConfigsCommand,
  ListTagsCommand,
  PublishVersionCommand,
  PutFunctionEventInvokeConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutRuntimeManagementConfigCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { expect } from 'vitest';

import { awsError, createInput, ZIP } from './api-fidelity.js';

const CREATING = 'The function is being created.';
const WAIT = { maxWaitTime: 120, minDelay: 1, maxDelay: 2 };

/** The state fields of a configuration, for comparing them whole. */
function stateOf(config: object): Record<string, unknown> {
  const c = config as Record<string, unknown>;
  const keys = [
    'State',
    'StateReason',
    'StateReasonCode',
    'LastUpdateStatus',
    'LastUpdateStatusReason',
    'LastUpdateStatusReasonCode',
  ];
  return Object.fromEntries(keys.filter((k) => c[k] !== undefined).map((k) => [k, c[k]]));
}

export async function checkStateMachine(
  client: LambdaClient,
  name: string,
  o: { held: boolean },
): Promise<void> {
  const created = await client.send(new CreateFunctionCommand(createInput(name)));
  expect(stateOf(created)).toEqual({
    State: 'Pending',
    StateReason: CREATING,
    StateReasonCode: 'Creating',
  });
  const arn = created.FunctionArn ?? '';
  if (o.held) {
    expect(
      await awsError(
        client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9 })),
      ),
    ).toEqual({
      name: 'ResourceConflictException',
      status: 409,
      message:
        'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    });
  }
  await waitUntilFunctionActiveV2({ client, ...WAIT }, { FunctionName: name });
  const active = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  expect(stateOf(active)).toEqual({
    State: 'Active',
    LastUpdateStatus: 'Successful',
  });
  expect(active.RevisionId).not.toBe(created.RevisionId);

  const updated = await client.send(
    new UpdateFunctionConfigurationCommand({ FunctionName: name, Timeout: 9 }),
  );
  expect(stateOf(updated)).toEqual({
    State: 'Active',
    LastUpdateStatus: 'InProgress',
    LastUpdateStatusReason: CREATING,
    LastUpdateStatusReasonCode: 'Creating',
  });
  if (o.held) {
    expect(
      await awsError(
        client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: ZIP })),
      ),
    ).toEqual({
      name: 'ResourceConflictException',
      status: 409,
      message: `The operation cannot be performed at this time. An update is in progress for resource: ${arn}`,
    });
  }
  await waitUntilFunctionUpdatedV2({ client, ...WAIT }, { FunctionName: name });
  const done = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  expect(stateOf(done)).toEqual({
    State: 'Active',
    LastUpdateStatus: 'Successful',
  });
  expect(done.Timeout).toBe(9);
  expect(done.RevisionId).not.toBe(updated.RevisionId);

  // PublishVersion renews $LATEST's RevisionId.
  const v1 = await client.send(new PublishVersionCommand({ FunctionName: name }));
  expect(v1.Version).toBe('1');
  const after = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  expect(after.RevisionId).not.toBe(done.RevisionId);

  // An EventInvokeConfig on version 1; none on $LATEST says so with the qualified ARN.
  const put = await client.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: name,
      Qualifier: '1',
      MaximumRetryAttempts: 1,
    }),
  );
  expect(put.FunctionArn).toBe(`${arn}:1`);
  expect(put.MaximumRetryAttempts).toBe(1);
  expect(
    (
      await client.send(
        new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: '1' }),
      )
    ).MaximumRetryAttempts,
  ).toBe(1);
  expect(
    await awsError(
      client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name, Qualifier: '2' })),
    ),
  ).toEqual({
    name: 'ResourceNotFoundException',
    status: 404,
    message: `Function not found: ${arn}:2`,
  });
  expect(
    await awsError(client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }))),
  ).toEqual({
    name: 'ResourceNotFoundException',
    status: 404,
    message: `The function ${arn}:$LATEST doesn't have an EventInvokeConfig`,
  });
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
}

export async function checkTagsAndSettings(client: LambdaClient, name: string): Promise<void> {
  const created = await client.send(
    new CreateFunctionCommand(createInput(name, { Tags: { team: 'a' } })),
  );
  const arn = created.FunctionArn ?? '';
  await client.send(new TagResourceCommand({ Resource: arn, Tags: { env: 'prod', team: 'b' } }));
  expect((await client.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({
    team: 'b',
    env: 'prod',
  });
  await client.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['team', 'none'] }));
  expect((await client.send(new GetFunctionCommand({ FunctionName: name }))).Tags).toEqual({
    env: 'prod',
  });
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${String(i)}`, 'v']));
  expect(
    await awsError(client.send(new TagResourceCommand({ Resource: arn, Tags: many }))),
  ).toEqual({
    name: 'InvalidParameterValueException',
    status: 400,
    message: 'Number of tags exceeds resource tag limit.',
  });
  expect(
    await awsError(
      client.send(new TagResourceCommand({ Resource: arn, Tags: { ['k'.repeat(129)]: 'v' } })),
    ),
  ).toMatchObject({ name: 'ValidationException', status: 400 });
  expect(
    (await awsError(client.send(new TagResourceCommand({ Resource: arn, Tags: { 'aws:x': 'v' } }))))
      .name,
  ).toBe('InvalidParameterValueException');

  expect(
    await client.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: name })),
  ).toMatchObject({ CodeSigningConfigArn: '', FunctionName: name });
  expect((await client.send(new ListCodeSigningConfigsCommand({}))).CodeSigningConfigs).toEqual([]);
  const mode = await client.send(new GetRuntimeManagementConfigCommand({ FunctionName: name }));
  expect([mode.UpdateRuntimeOn, mode.FunctionArn, mode.RuntimeVersionArn]).toEqual([
    'Auto',
    arn,
    undefined,
  ]);
  await client.send(
    new PutRuntimeManagementConfigCommand({
      FunctionName: name,
      UpdateRuntimeOn: 'FunctionUpdate',
    }),
  );
  expect(
    (await client.send(new GetRuntimeManagementConfigCommand({ FunctionName: name })))
      .UpdateRuntimeOn,
  ).toBe('FunctionUpdate');
  expect(
    (
      await awsError(
        client.send(
          new PutRuntimeManagementConfigCommand({ FunctionName: name, UpdateRuntimeOn: 'Manual' }),
        ),
      )
    ).name,
  ).toBe('InvalidParameterValueException');
  expect(
    (await client.send(new GetFunctionRecursionConfigCommand({ FunctionName: name })))
      .RecursiveLoop,
  ).toBe('Terminate');
  await client.send(
    new PutFunctionRecursionConfigCommand({ FunctionName: name, RecursiveLoop: 'Allow' }),
  );
  expect(
    (await client.send(new GetFunctionRecursionConfigCommand({ FunctionName: name })))
      .RecursiveLoop,
  ).toBe('Allow');

  // Another account's function: AWS's 403, naming the caller (an open gateway's is the root).
  const foreign = arn.replace(/:\d{12}:/, ':111111111111:');
  const account = /:(\d{12}):/.exec(arn)?.[1] ?? '';
  expect(await awsError(client.send(new GetFunctionCommand({ FunctionName: foreign })))).toEqual({
    name: 'AccessDeniedException',
    status: 403,
    message: `User: arn:aws:iam::${account}:root is not authorized to perform: lambda:GetFunction on resource: ${foreign} because no resource-based policy allows the lambda:GetFunction action`,
  });
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
}
