/**
 * What a template deploy will change, computed before anything is written: each function is
 * created, updated (with the fields that differ) or unchanged; functions this stack created
 * earlier (tag `lamina:template=<stack>`) that left the template are deleted; features this
 * Lamina does not offer (a probe answers UnknownOperationException) make the resources and
 * events that need them unsupported.
 *
 * Invariant: a function of the same name that another stack or a person created is never taken
 * over: that is an error naming the function and its owner.
 */
import {
  GetFunctionCommand,
  ListFunctionUrlConfigsCommand,
  ListLayersCommand,
} from '@aws-sdk/client-lambda';
import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';

import { errorName, isUnknownOperation } from '../api-error.js';
import { CliError, EXIT } from '../cli-error.js';
import type { Run } from '../context.js';
import { listAllFunctions } from '../commands/functions.js';
import { changesOf } from '../function-deployer.js';
import { type DesiredFunction, diffFunction, hasChanges } from '../function-diff.js';
import { codeOf } from '../zip-folder.js';
import { currentLayerArns, type LayerState, layerStates, withLayerVersions } from './layers.js';
import type { PlannedFunction, StackPlan } from './plan.js';

export const STACK_TAG = 'lamina:template';
export const LOGICAL_ID_TAG = 'lamina:logical-id';

export interface Capabilities {
  readonly layers: boolean;
  readonly schedules: boolean;
  readonly functionUrls: boolean;
}

export interface FunctionChange {
  readonly action: 'create' | 'update' | 'unchanged';
  readonly planned: PlannedFunction;
  readonly desired: DesiredFunction;
  readonly fields: readonly string[];
}

export interface Changeset {
  readonly functions: readonly FunctionChange[];
  /** Names of functions of this stack that left the template. */
  readonly deletions: readonly string[];
  readonly unsupported: readonly string[];
  readonly ignored: readonly string[];
  readonly capabilities: Capabilities;
  /** The template's layers with their current versions (empty without layer support). */
  readonly layers: readonly LayerState[];
}

async function supported(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (err) {
    if (isUnknownOperation(err)) return false;
    if (errorName(err) === 'ResourceNotFoundException') return true; // the operation exists
    throw err;
  }
}

export async function probeCapabilities(run: Run): Promise<Capabilities> {
  return run.call('probing the features of this Lamina', async () => ({
    layers: await supported(() => run.lambda.send(new ListLayersCommand({ MaxItems: 1 }))),
    schedules: await supported(() =>
      run.scheduler.send(new ListSchedulesCommand({ MaxResults: 1 })),
    ),
    functionUrls: await supported(() =>
      run.lambda.send(
        new ListFunctionUrlConfigsCommand({ FunctionName: 'lamina-probe-no-such-function' }),
      ),
    ),
  }));
}

/** The names of this stack's functions now on Lamina, by their tag. */
export async function ownedFunctions(
  run: Run,
  stack: string,
): Promise<Map<string, Record<string, string>>> {
  const owned = new Map<string, Record<string, string>>();
  for (const f of await listAllFunctions(run)) {
    const name = f.FunctionName ?? '';
    const got = await run.call(`GetFunction ${name}`, () =>
      run.lambda.send(new GetFunctionCommand({ FunctionName: name })),
    );
    const tags = got.Tags ?? {};
    if (tags[STACK_TAG] === stack) owned.set(name, tags);
  }
  return owned;
}

export function desiredOf(
  f: PlannedFunction,
  stack: string,
  caps: Capabilities,
  layerArns: ReadonlyMap<string, string>,
): DesiredFunction {
  return {
    name: f.name,
    runtime: f.runtime,
    handler: f.handler,
    zip: codeOf(f.codePath),
    ...(f.description === undefined ? {} : { description: f.description }),
    ...(f.memorySize === undefined ? {} : { memorySize: f.memorySize }),
    ...(f.timeout === undefined ? {} : { timeout: f.timeout }),
    ...(f.environment === undefined ? {} : { environment: f.environment }),
    ...(caps.layers ? { layers: withLayerVersions(f.layers, layerArns) } : {}),
    ...(f.deadLetterTargetArn === undefined ? {} : { deadLetterTargetArn: f.deadLetterTargetArn }),
    tags: { [STACK_TAG]: stack, [LOGICAL_ID_TAG]: f.logicalId },
  };
}

function capabilityGaps(plan: StackPlan, caps: Capabilities): string[] {
  const gaps: string[] = [];
  const none = (what: string): string =>
    `${what} — this Lamina has no ${what.includes('schedule') ? 'EventBridge Scheduler API' : what.includes('URL') || what.includes('HttpApi') ? 'function URLs (CreateFunctionUrlConfig)' : 'layers (PublishLayerVersion)'} yet`;
  if (!caps.layers) {
    for (const l of plan.layers)
      gaps.push(none(`resource ${l.logicalId} (AWS::Serverless::LayerVersion)`));
    for (const f of plan.functions)
      if (f.layers.length > 0) gaps.push(none(`${f.logicalId}.Properties.Layers`));
  }
  for (const f of plan.functions) {
    for (const e of f.events) {
      if (e.kind === 'schedule' && !caps.schedules)
        gaps.push(none(`${f.logicalId}.Events.${e.id} (schedule)`));
      if (e.kind === 'http' && !caps.functionUrls)
        gaps.push(none(`${f.logicalId}.Events.${e.id} (HttpApi, served by a function URL)`));
    }
    if (f.url !== undefined && !caps.functionUrls)
      gaps.push(none(`${f.logicalId}.Properties.FunctionUrlConfig (function URL)`));
  }
  return gaps;
}

export async function computeChangeset(run: Run, plan: StackPlan): Promise<Changeset> {
  const capabilities = await probeCapabilities(run);
  const owned = await ownedFunctions(run, plan.stack);
  const layers = capabilities.layers ? await layerStates(run, plan.layers) : [];
  const layerArns = currentLayerArns(layers);
  const functions: FunctionChange[] = [];
  for (const planned of plan.functions) {
    let desired: DesiredFunction;
    try {
      desired = desiredOf(planned, plan.stack, capabilities, layerArns);
    } catch (err) {
      throw new CliError(
        `${planned.logicalId}: cannot read CodeUri ${planned.codePath}: ${(err as Error).message}`,
        EXIT.usage,
      );
    }
    const got = await run.call(`GetFunction ${planned.name}`, async () => {
      try {
        return await run.lambda.send(new GetFunctionCommand({ FunctionName: planned.name }));
      } catch (err) {
        if (errorName(err) === 'ResourceNotFoundException') return undefined;
        throw err;
      }
    });
    if (got?.Configuration === undefined) {
      functions.push({ action: 'create', planned, desired, fields: [] });
      continue;
    }
    if (!owned.has(planned.name)) {
      const owner = got.Tags?.[STACK_TAG];
      throw new CliError(
        `function ${planned.name} (${planned.logicalId}) already exists and belongs to ${owner === undefined ? 'no template' : `stack ${owner}`}; delete it, or give the resource another FunctionName`,
        EXIT.failed,
      );
    }
    const diff = diffFunction(desired, got.Configuration);
    functions.push({
      action: hasChanges(diff) ? 'update' : 'unchanged',
      planned,
      desired,
      fields: changesOf(diff),
    });
  }
  const wanted = new Set(plan.functions.map((f) => f.name));
  return {
    functions,
    deletions: [...owned.keys()].filter((n) => !wanted.has(n)).sort(),
    unsupported: [...plan.unsupported, ...capabilityGaps(plan, capabilities)],
    ignored: plan.ignored,
    capabilities,
    layers,
  };
}
