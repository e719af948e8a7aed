/**
 * AWS's answers off the happy path (issue #16), as contract cases any Lamina endpoint must pass
 * through the unmodified AWS SDK: the exact error name, HTTP status and message, and the
 * FunctionConfiguration fields AWS returns (volatile fields normalised). Shared so the local and
 * cluster suites check the same table.
 *
 * Invariants: every case names the function it creates (unique per run) and deletes it; messages
 * are compared whole, never by substring.
 */
import {
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeCommand,
  type LambdaClient,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { expect } from 'vitest';

import { makeZip } from './zip.js';

export const ZIP = makeZip({ 'index.js': 'exports.handler = async () => ({ ok: true });' });
export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

export const createInput = (
  name: string,
  over: Partial<CreateFunctionCommandInput> = {},
): CreateFunctionCommandInput => ({
  FunctionName: name,
  Runtime: 'nodejs22.x',
  Role: ROLE,
  Handler: 'index.handler',
  Code: { ZipFile: ZIP },
  ...over,
});

export interface AwsError {
  readonly name: string;
  readonly status: number | undefined;
  readonly message: string;
}

/** The error an SDK call fails with, as name, status and message. */
export async function awsError(call: Promise<unknown>): Promise<AwsError> {
  try {
    await call;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('the call succeeded; an error was expected');
}

export const NAME_PATTERN =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';

/** FunctionConfiguration with what changes per call or per deployment normalised. */
export function normalised(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  delete out['$metadata'];
  for (const k of ['LastModified', 'RevisionId', 'CodeSha256', 'CodeSize']) {
    if (out[k] !== undefined) out[k] = `<${k}>`;
  }
  const arn = out['RuntimeVersionConfig'] as { RuntimeVersionArn?: string } | undefined;
  if (arn?.RuntimeVersionArn !== undefined) {
    expect(arn.RuntimeVersionArn).toMatch(/^arn:aws:lambda:[a-z0-9-]+::runtime:[0-9a-f]{64}$/);
    out['RuntimeVersionConfig'] = { RuntimeVersionArn: '<RuntimeVersionArn>' };
  }
  return out;
}

/** The recorded FunctionConfiguration of `createInput(name)` right after CreateFunction. */
export const recordedConfiguration = (name: string, arn: string): Record<string, unknown> => ({
  FunctionName: name,
  FunctionArn: arn,
  Runtime: 'nodejs22.x',
  Role: ROLE,
  Handler: 'index.handler',
  CodeSize: '<CodeSize>',
  Description: '',
  Timeout: 3,
  MemorySize: 128,
  LastModified: '<LastModified>',
  CodeSha256: '<CodeSha256>',
  Version: '$LATEST',
  TracingConfig: { Mode: 'PassThrough' },
  RevisionId: '<RevisionId>',
  State: 'Active',
  LastUpdateStatus: 'Successful',
  PackageType: 'Zip',
  Architectures: ['x86_64'],
  EphemeralStorage: { Size: 512 },
  SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
  RuntimeVersionConfig: { RuntimeVersionArn: '<RuntimeVersionArn>' },
  LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${name}` },
});

/** Runs every contract case against `client`; `name` is a unique prefix for its functions. */
export async function checkApiFidelity(client: LambdaClient, name: string): Promise<void> {
  // 1. Validation from the service model, with AWS's wording and count.
  expect(
    await awsError(client.send(new GetFunctionCommand({ FunctionName: 'my-function!' }))),
  ).toEqual({
    name: 'ValidationException',
    status: 400,
    message: `1 validation error detected: Value 'my-function!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
  });
  expect(
    await awsError(
      client.send(
        new CreateFunctionCommand(createInput(`${name}-v`, { MemorySize: 64, Role: 'not-a-role' })),
      ),
    ),
  ).toEqual({
    name: 'ValidationException',
    status: 400,
    message:
      "2 validation errors detected: Value 'not-a-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+; Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
  });
  const long = 'x'.repeat(65);
  const created = await client.send(new CreateFunctionCommand(createInput(name)));
  const arn = created.FunctionArn ?? '';
  const base = arn.slice(0, arn.lastIndexOf(':function:'));
  // 2. A 65-character name: not found on Get/Delete, an invalid parameter on Create.
  for (const call of [
    client.send(new GetFunctionCommand({ FunctionName: long })),
    client.send(new DeleteFunctionCommand({ FunctionName: long })),
  ]) {
    expect(await awsError(call)).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `Function not found: ${base}:function:${long}`,
    });
  }
  expect(await awsError(client.send(new CreateFunctionCommand(createInput(long))))).toEqual({
    name: 'InvalidParameterValueException',
    status: 400,
    message: `1 validation error detected: Value '${long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`,
  });
  // 3. ARNs of another region.
  const region = /^arn:aws:lambda:([^:]+):/.exec(arn)?.[1] ?? '';
  const foreign = arn.replace(`:${region}:`, ':eu-central-1:');
  const unreachable = {
    name: 'ResourceNotFoundException',
    status: 404,
    message: `Functions from 'eu-central-1' are not reachable in this region ('${region}')`,
  };
  for (const call of [
    client.send(new GetFunctionCommand({ FunctionName: foreign })),
    client.send(new InvokeCommand({ FunctionName: foreign })),
    client.send(new GetFunctionConcurrencyCommand({ FunctionName: foreign })),
    client.send(new DeleteFunctionCommand({ FunctionName: foreign })),
  ]) {
    expect(await awsError(call)).toEqual(unreachable);
  }
  // 4. AWS's texts: $LATEST in Invoke's not-found, $LATEST refused on delete, deprecated runtimes.
  expect(await awsError(client.send(new InvokeCommand({ FunctionName: `${name}-none` })))).toEqual({
    name: 'ResourceNotFoundException',
    status: 404,
    message: `Function not found: ${base}:function:${name}-none:$LATEST`,
  });
  expect(
    await awsError(
      client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '$LATEST' })),
    ),
  ).toEqual({
    name: 'InvalidParameterValueException',
    status: 400,
    message: '$LATEST version cannot be deleted without deleting the function.',
  });
  expect(
    await awsError(
      client.send(new CreateFunctionCommand(createInput(`${name}-old`, { Runtime: 'nodejs16.x' }))),
    ),
  ).toEqual({
    name: 'InvalidParameterValueException',
    status: 400,
    message:
      'The runtime parameter of nodejs16.x is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (nodejs24.x) while creating or updating functions.',
  });
  // 5. The shape AWS returns (once Active: the state machine is api-fidelity-state.ts's).
  await waitUntilFunctionActiveV2(
    { client, maxWaitTime: 120, minDelay: 1, maxDelay: 2 },
    { FunctionName: name },
  );
  const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  expect(normalised(config as unknown as Record<string, unknown>)).toEqual(
    recordedConfiguration(name, arn),
  );
  // 6. arm64 is accepted and shown.
  const arm = await client.send(
    new CreateFunctionCommand(createInput(`${name}-arm`, { Architectures: ['arm64'] })),
  );
  expect(arm.Architectures).toEqual(['arm64']);
  // 7. AccountUsage follows creates and deletes at once.
  const usage = async () => (await client.send(new GetAccountSettingsCommand({}))).AccountUsage;
  const before = await usage();
  await client.send(new DeleteFunctionCommand({ FunctionName: `${name}-arm` }));
  const after = await usage();
  expect(after?.FunctionCount).toBe((before?.FunctionCount ?? 0) - 1);
  expect(after?.TotalCodeSize).toBe((before?.TotalCodeSize ?? 0) - (arm.CodeSize ?? 0));
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
}

/** The EventInvokeConfig text (needs the async path, which both modes have). */
export async function checkEventInvokeConfigText(
  client: LambdaClient,
  name: string,
): Promise<void> {
  const created = await client.send(new CreateFunctionCommand(createInput(name)));
  expect(
    await awsError(client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }))),
  ).toEqual({
    name: 'ResourceNotFoundException',
    status: 404,
    message: `The function ${created.FunctionArn ?? ''}:$LATEST doesn't have an EventInvokeConfig`,
  });
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
}
