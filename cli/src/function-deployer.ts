/**
 * One function to the state a deploy asks for: create it, or update only what differs (code,
 * configuration), wait until it is Active and its last update Successful, then publish a version
 * and point an alias at it when asked. Shared by `lamina deploy DIR` and template deploys.
 *
 * Invariants: an unchanged function gets no write (its LastModified and versions stay); a new
 * version is published only when the function changed or the alias does not exist yet; waiting
 * reports progress and fails with the function's StateReason when it turns Failed.
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';

import { errorName } from './api-error.js';
import { CliError, EXIT } from './cli-error.js';
import type { Run } from './context.js';
import {
  configurationOf,
  type DesiredFunction,
  diffFunction,
  type FunctionDiff,
  hasChanges,
} from './function-diff.js';

/** The role Lambda requires in CreateFunction; Lamina records it only. */
export const PLACEHOLDER_ROLE = 'arn:aws:iam::000000000000:role/lamina-function';

export interface DeployFunctionOptions {
  readonly publish: boolean;
  readonly alias?: string;
  readonly waitTimeoutMs: number;
}

export interface DeployOutcome {
  readonly name: string;
  readonly action: 'created' | 'updated' | 'unchanged';
  readonly changes: readonly string[];
  readonly version?: string;
  readonly alias?: string;
  readonly state: string;
}

export async function currentFunction(
  run: Run,
  name: string,
): Promise<{ configuration: FunctionConfiguration; tags: Record<string, string> } | undefined> {
  try {
    const got = await run.lambda.send(new GetFunctionCommand({ FunctionName: name }));
    return got.Configuration === undefined
      ? undefined
      : { configuration: got.Configuration, tags: got.Tags ?? {} };
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

export function changesOf(diff: FunctionDiff): string[] {
  return [...(diff.code ? ['Code'] : []), ...diff.configuration];
}

async function waitReady(
  run: Run,
  name: string,
  timeoutMs: number,
): Promise<FunctionConfiguration> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await run.call(`GetFunctionConfiguration ${name}`, () =>
      run.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
    );
    if (c.State === 'Failed' || c.LastUpdateStatus === 'Failed') {
      throw new CliError(
        `${name} failed: ${c.StateReason ?? c.LastUpdateStatusReason ?? 'no reason given'} (${c.StateReasonCode ?? c.LastUpdateStatusReasonCode ?? 'Failed'})`,
        EXIT.failed,
      );
    }
    if (c.State === 'Active' && (c.LastUpdateStatus ?? 'Successful') === 'Successful') return c;
    if (Date.now() > deadline) {
      throw new CliError(
        `${name} is still ${c.State ?? 'Pending'} after ${Math.round(timeoutMs / 1000)} s (${c.StateReason ?? 'no reason given'}); check \`lamina get ${name}\``,
        EXIT.failed,
      );
    }
    run.out.progress(
      `${name}: ${c.State ?? 'Pending'}${c.StateReason === undefined ? '' : ` (${c.StateReason})`}`,
    );
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function pointAlias(run: Run, name: string, alias: string, version: string): Promise<void> {
  let exists = true;
  try {
    await run.lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias }));
  } catch (err) {
    if (errorName(err) !== 'ResourceNotFoundException') throw err;
    exists = false;
  }
  await run.call(`${exists ? 'UpdateAlias' : 'CreateAlias'} ${name}:${alias}`, () =>
    exists
      ? run.lambda.send(
          new UpdateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }),
        )
      : run.lambda.send(
          new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }),
        ),
  );
}

async function aliasVersion(run: Run, name: string, alias: string): Promise<string | undefined> {
  try {
    return (await run.lambda.send(new GetAliasCommand({ FunctionName: name, Name: alias })))
      .FunctionVersion;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/** CreateFunction takes no empty Layers list or DeadLetterConfig. */
function createFields(c: ReturnType<typeof configurationOf>): Omit<
  ReturnType<typeof configurationOf>,
  'Layers' | 'DeadLetterConfig'
> & {
  Layers?: string[];
  DeadLetterConfig?: { TargetArn?: string };
} {
  const { Layers, DeadLetterConfig, ...rest } = c;
  return {
    ...rest,
    ...(Layers.length === 0 ? {} : { Layers }),
    ...(DeadLetterConfig.TargetArn === undefined ? {} : { DeadLetterConfig }),
  };
}

export async function deployFunction(
  run: Run,
  d: DesiredFunction,
  o: DeployFunctionOptions,
): Promise<DeployOutcome> {
  const name = d.name;
  const current = await run.call(`GetFunction ${name}`, () => currentFunction(run, name));
  const config = configurationOf(d);
  let action: DeployOutcome['action'];
  let changes: string[];
  if (current === undefined) {
    run.out.progress(`${name}: creating`);
    await run.call(`CreateFunction ${name}`, () =>
      run.lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Role: PLACEHOLDER_ROLE,
          Code: { ZipFile: d.zip },
          ...createFields(config),
          ...(d.tags === undefined ? {} : { Tags: { ...d.tags } }),
        }),
      ),
    );
    action = 'created';
    changes = ['Function'];
  } else {
    const diff = diffFunction(d, current.configuration);
    changes = changesOf(diff);
    action = hasChanges(diff) ? 'updated' : 'unchanged';
    if (diff.code) {
      run.out.progress(`${name}: updating code`);
      await run.call(`UpdateFunctionCode ${name}`, () =>
        run.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: d.zip })),
      );
      await waitReady(run, name, o.waitTimeoutMs);
    }
    if (diff.configuration.length > 0) {
      run.out.progress(`${name}: updating ${diff.configuration.join(', ')}`);
      await run.call(`UpdateFunctionConfiguration ${name}`, () =>
        run.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, ...config })),
      );
    }
  }
  const ready = await waitReady(run, name, o.waitTimeoutMs);
  let version: string | undefined;
  const aliasAt =
    o.alias === undefined
      ? undefined
      : await run.call(`GetAlias ${name}:${o.alias}`, () => aliasVersion(run, name, o.alias ?? ''));
  if (
    (o.publish || o.alias !== undefined) &&
    (action !== 'unchanged' || (o.alias !== undefined && aliasAt === undefined))
  ) {
    run.out.progress(`${name}: publishing a version`);
    const published = await run.call(`PublishVersion ${name}`, () =>
      run.lambda.send(new PublishVersionCommand({ FunctionName: name })),
    );
    version = published.Version;
    if (o.alias !== undefined && version !== undefined)
      await pointAlias(run, name, o.alias, version);
  } else {
    version = aliasAt;
  }
  return {
    name,
    action,
    changes,
    ...(version === undefined ? {} : { version }),
    ...(o.alias === undefined ? {} : { alias: o.alias }),
    state: ready.State ?? 'Active',
  };
}
