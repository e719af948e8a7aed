/**
 * Applies a changeset: layers first (functions refer to their versions), then each function
 * (`deployFunction`: code, configuration, version, alias), then what hangs off it — reserved and
 * provisioned concurrency, async invoke config, event source mappings, schedules, the function
 * URL — and last the deletion of functions that left the template.
 *
 * Invariants: a function's extras are written only when they differ from what Lamina holds (an
 * unchanged function sees no writes at all); extras whose feature this Lamina lacks are skipped
 * (they are already listed as unsupported); mappings and schedules a template function owns but
 * the template no longer lists are deleted with it.
 */
import {
  CreateEventSourceMappingCommand,
  CreateFunctionUrlConfigCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  type EventSourceMappingConfiguration,
  GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';

import { errorName, toCliError } from '../api-error.js';
import { listAllMappings } from '../commands/mappings.js';
import type { Run } from '../context.js';
import { type DeployOutcome, deployFunction } from '../function-deployer.js';
import type { Changeset, FunctionChange } from './changeset.js';
import type { PlannedEvent } from './events.js';
import { publishLayers, withLayerVersions } from './layers.js';
import { applySchedules, deleteSchedulesOf } from './schedules.js';

export interface ApplyResult {
  readonly functions: readonly DeployOutcome[];
  readonly deleted: readonly string[];
  /** Items this Lamina refused while applying (e.g. an SQS source before SQS mappings exist). */
  readonly refused: readonly string[];
}

async function missingAsUndefined<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

async function applyConcurrency(run: Run, c: FunctionChange): Promise<void> {
  const { name, reservedConcurrency, alias, provisionedConcurrency } = c.planned;
  const current = await run.call(`GetFunctionConcurrency ${name}`, () =>
    run.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: name })),
  );
  if (current.ReservedConcurrentExecutions !== reservedConcurrency) {
    await run.call(`PutFunctionConcurrency ${name}`, () =>
      reservedConcurrency === undefined
        ? run.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }))
        : run.lambda.send(
            new PutFunctionConcurrencyCommand({
              FunctionName: name,
              ReservedConcurrentExecutions: reservedConcurrency,
            }),
          ),
    );
  }
  if (provisionedConcurrency !== undefined && alias !== undefined) {
    const pc = await run.call(`GetProvisionedConcurrencyConfig ${name}:${alias}`, () =>
      missingAsUndefined(() =>
        run.lambda.send(
          new GetProvisionedConcurrencyConfigCommand({ FunctionName: name, Qualifier: alias }),
        ),
      ),
    );
    if (pc?.RequestedProvisionedConcurrentExecutions !== provisionedConcurrency) {
      await run.call(`PutProvisionedConcurrencyConfig ${name}:${alias}`, () =>
        run.lambda.send(
          new PutProvisionedConcurrencyConfigCommand({
            FunctionName: name,
            Qualifier: alias,
            ProvisionedConcurrentExecutions: provisionedConcurrency,
          }),
        ),
      );
    }
  }
}

async function applyEventInvokeConfig(run: Run, c: FunctionChange): Promise<void> {
  const cfg = c.planned.eventInvokeConfig;
  if (cfg === undefined) return;
  const dest = (v: unknown): { Destination: string } | undefined => {
    const d = (v as { Destination?: unknown } | undefined)?.Destination;
    return typeof d === 'string' ? { Destination: d } : undefined;
  };
  const dc = cfg['DestinationConfig'] as { OnSuccess?: unknown; OnFailure?: unknown } | undefined;
  const onSuccess = dest(dc?.OnSuccess);
  const onFailure = dest(dc?.OnFailure);
  await run.call(`PutFunctionEventInvokeConfig ${c.planned.name}`, () =>
    run.lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: c.planned.name,
        ...(c.planned.alias === undefined ? {} : { Qualifier: c.planned.alias }),
        ...(cfg['MaximumRetryAttempts'] === undefined
          ? {}
          : { MaximumRetryAttempts: Number(cfg['MaximumRetryAttempts']) }),
        ...(cfg['MaximumEventAgeInSeconds'] === undefined
          ? {}
          : { MaximumEventAgeInSeconds: Number(cfg['MaximumEventAgeInSeconds']) }),
        ...(onSuccess === undefined && onFailure === undefined
          ? {}
          : {
              DestinationConfig: {
                ...(onSuccess === undefined ? {} : { OnSuccess: onSuccess }),
                ...(onFailure === undefined ? {} : { OnFailure: onFailure }),
              },
            }),
      }),
    ),
  );
}

function matches(e: PlannedEvent, m: EventSourceMappingConfiguration): boolean {
  if (e.kind === 'sqs') return m.EventSourceArn === e.queueArn;
  if (e.kind === 'kafka') {
    const servers = m.SelfManagedEventSource?.Endpoints?.KAFKA_BOOTSTRAP_SERVERS ?? [];
    return (m.Topics ?? [])[0] === e.topic && servers.join(',') === e.servers.join(',');
  }
  return false;
}

async function applyMappings(run: Run, c: FunctionChange, refused: string[]): Promise<void> {
  const { name, alias } = c.planned;
  const target = alias === undefined ? name : `${name}:${alias}`;
  const wanted = c.planned.events.filter((e) => e.kind === 'sqs' || e.kind === 'kafka');
  const existing = await listAllMappings(run, name);
  const kept = new Set<string>();
  for (const e of wanted) {
    const found = existing.find((m) => matches(e, m));
    if (found !== undefined) {
      kept.add(found.UUID ?? '');
      continue;
    }
    run.out.progress(`${name}: mapping ${e.id}`);
    const doing = `CreateEventSourceMapping ${name} (${e.id})`;
    const common = { FunctionName: target, Enabled: 'enabled' in e ? e.enabled : true };
    const create = (): Promise<unknown> =>
      e.kind === 'sqs'
        ? run.lambda.send(
            new CreateEventSourceMappingCommand({
              ...common,
              EventSourceArn: e.queueArn,
              ...(e.batchSize === undefined ? {} : { BatchSize: e.batchSize }),
              ...(e.window === undefined ? {} : { MaximumBatchingWindowInSeconds: e.window }),
              ...(e.reportFailures ? { FunctionResponseTypes: ['ReportBatchItemFailures'] } : {}),
            }),
          )
        : run.lambda.send(
            new CreateEventSourceMappingCommand({
              ...common,
              Topics: [e.topic],
              SelfManagedEventSource: {
                Endpoints: { KAFKA_BOOTSTRAP_SERVERS: [...e.servers] },
              },
              StartingPosition: e.startingPosition as 'LATEST',
              ...(e.batchSize !== undefined ? { BatchSize: e.batchSize } : {}),
              ...(e.consumerGroupId !== undefined
                ? { SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: e.consumerGroupId } }
                : {}),
            }),
          );
    try {
      await create();
    } catch (err) {
      // A Lamina without SQS mappings rejects the SQS source as invalid: report it, go on.
      const name = errorName(err);
      if (
        e.kind === 'sqs' &&
        (name === 'InvalidParameterValueException' || name === 'ValidationException')
      ) {
        const why = err instanceof Error ? err.message : String(err);
        const item = `${c.planned.logicalId}.Events.${e.id} (SQS) — this Lamina refused the SQS source: ${why}`;
        refused.push(item);
        run.out.warn(`not applied: ${item}`);
        continue;
      }
      throw toCliError(err, run.settings.endpoint, doing);
    }
  }
  for (const m of existing) {
    if (kept.has(m.UUID ?? '')) continue;
    await run.call(`DeleteEventSourceMapping ${m.UUID ?? ''}`, () =>
      run.lambda.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID })),
    );
  }
}

async function applyUrl(run: Run, c: FunctionChange): Promise<void> {
  const http = c.planned.events.some((e) => e.kind === 'http');
  const cfg = c.planned.url ?? (http ? { AuthType: 'NONE' } : undefined);
  if (cfg === undefined) return;
  const { name, alias } = c.planned;
  const fields = {
    FunctionName: name,
    ...(alias === undefined ? {} : { Qualifier: alias }),
    AuthType: (cfg['AuthType'] === 'AWS_IAM' ? 'AWS_IAM' : 'NONE') as 'NONE',
    ...(cfg['Cors'] === undefined ? {} : { Cors: cfg['Cors'] as never }),
    ...(cfg['InvokeMode'] === undefined ? {} : { InvokeMode: cfg['InvokeMode'] as 'BUFFERED' }),
  };
  const current = await run.call(`GetFunctionUrlConfig ${name}`, () =>
    missingAsUndefined(() => run.lambda.send(new GetFunctionUrlConfigCommand(fields))),
  );
  const out = await run.call(
    `${current === undefined ? 'Create' : 'Update'}FunctionUrlConfig ${name}`,
    () =>
      current === undefined
        ? run.lambda.send(new CreateFunctionUrlConfigCommand(fields))
        : run.lambda.send(new UpdateFunctionUrlConfigCommand(fields)),
  );
  if (current === undefined) run.out.done(`${name}: URL ${out.FunctionUrl ?? ''}`);
}

export async function applyChangeset(
  run: Run,
  cs: Changeset,
  o: { waitTimeoutMs: number; region: string; accountId: string },
): Promise<ApplyResult> {
  const layerArns = cs.capabilities.layers
    ? await publishLayers(run, cs.layers)
    : new Map<string, string>();
  const outcomes: DeployOutcome[] = [];
  const refused: string[] = [];
  for (const c of cs.functions) {
    const desired = cs.capabilities.layers
      ? { ...c.desired, layers: withLayerVersions(c.planned.layers, layerArns) }
      : c.desired;
    const outcome = await deployFunction(run, desired, {
      publish: false,
      ...(c.planned.alias === undefined ? {} : { alias: c.planned.alias }),
      waitTimeoutMs: o.waitTimeoutMs,
    });
    await applyConcurrency(run, c);
    await applyEventInvokeConfig(run, c);
    await applyMappings(run, c, refused);
    if (cs.capabilities.schedules) await applySchedules(run, c, o);
    if (cs.capabilities.functionUrls) await applyUrl(run, c);
    outcomes.push(outcome);
    run.out.done(
      `${c.planned.name}: ${outcome.action}${outcome.version === undefined ? '' : ` (version ${outcome.version}${outcome.alias === undefined ? '' : `, alias ${outcome.alias}`})`}`,
    );
  }
  for (const name of cs.deletions) {
    run.out.progress(`${name}: deleting`);
    for (const m of await listAllMappings(run, name)) {
      await run.call(`DeleteEventSourceMapping ${m.UUID ?? ''}`, () =>
        run.lambda.send(new DeleteEventSourceMappingCommand({ UUID: m.UUID })),
      );
    }
    if (cs.capabilities.schedules) await deleteSchedulesOf(run, name, o);
    await run.call(`DeleteFunction ${name}`, () =>
      run.lambda.send(new DeleteFunctionCommand({ FunctionName: name })),
    );
    run.out.done(`${name}: deleted (left the template)`);
  }
  return { functions: outcomes, deleted: cs.deletions, refused };
}
