import {
  type ArnContext,
  environmentErrorException,
  functionArn,
  type FunctionRecord,
  type FunctionStore,
  type FunctionVersionConfig,
  LaminaError,
  LATEST,
  versionEnvironmentConfig,
} from '@lamina/core';
import type { Counter, Histogram } from 'prom-client';

import type { GatewayMetrics, Label, SeriesCell } from './metrics.js';

/** The metric children of one function version, bound once instead of per request. */
export interface BoundMetrics {
  /** Counted on every call: a plain number prom-client reads on scrape (metrics.ts SeriesCell). */
  readonly invocations: Pick<SeriesCell, 'inc'>;
  readonly functionErrors: Counter.Internal;
  readonly throttles: Counter.Internal;
  readonly duration: Histogram.Internal<Label>;
  readonly concurrentExecutions: Pick<SeriesCell, 'inc' | 'dec'>;
  readonly coldStarts: Counter.Internal;
  readonly initDuration: Histogram.Internal<Label>;
  readonly provisionedInvocations: Counter.Internal;
  readonly provisionedSpillover: Counter.Internal;
  /** The provisioned concurrency allocated to the version now (0: none). */
  readonly allocated: () => number;
}

/** What the invoke path needs of one function, derived once per record change. */
export interface FunctionEntry {
  readonly record: FunctionRecord;
  readonly config: FunctionVersionConfig;
  /** Unqualified ARN. */
  readonly arn: string;
  /** `…:function:name:$LATEST` */
  readonly latestArn: string;
  /** Admission lease budget: the function timeout. */
  readonly timeoutMs: number;
  readonly metrics: BoundMetrics;
  /** Set when the function's State is not Active: what an invoke answers (409). */
  readonly notInvocable: LaminaError | undefined;
}

/**
 * The children of one version as invoked through `resource` (Lambda's Resource dimension: the
 * function name when unqualified, else `name:qualifier` — a version, `$LATEST` or an alias).
 */
export function bindMetrics(
  metrics: GatewayMetrics,
  name: string,
  version: string,
  resource: string = name,
): BoundMetrics {
  const l = [name, version, resource] as const;
  return {
    invocations: metrics.cells.invocations.of(name, version, resource),
    functionErrors: metrics.functionErrors.labels(...l),
    throttles: metrics.throttles.labels(...l),
    duration: metrics.duration.labels(...l),
    concurrentExecutions: metrics.cells.concurrentExecutions.of(name, version, resource),
    coldStarts: metrics.coldStarts.labels(...l),
    initDuration: metrics.initDuration.labels(...l),
    provisionedInvocations: metrics.provisionedInvocations.labels(...l),
    provisionedSpillover: metrics.provisionedSpillover.labels(...l),
    allocated: metrics.allocations.reader(name, version),
  };
}

function notInvocable(record: FunctionRecord): LaminaError {
  const reason = record.stateReason === undefined ? '' : ` ${record.stateReason}`;
  return new LaminaError(
    'ResourceConflictException',
    `The operation cannot be performed at this time. The function is currently in the following state: ${record.state}.${reason}`,
  );
}

export interface FunctionEntriesOptions {
  readonly functions: Pick<FunctionStore, 'get'>;
  readonly arnContext: ArnContext;
  readonly metrics: GatewayMetrics;
}

/**
 * A cache in front of the function store for the invoke path: the FunctionVersionConfig,
 * ARNs and metric children of each function, rebuilt only when its record changes. Stores
 * serve records from memory and replace the object on every change, so identity is the test.
 */
export class FunctionEntries {
  private readonly entries = new Map<string, FunctionEntry>();
  private readonly options: FunctionEntriesOptions;

  constructor(options: FunctionEntriesOptions) {
    this.options = options;
  }

  get(name: string): FunctionEntry | undefined {
    const record = this.options.functions.get(name);
    if (record === undefined) {
      this.entries.delete(name);
      return undefined;
    }
    const cached = this.entries.get(name);
    if (cached?.record === record) return cached;
    const entry = this.build(record);
    this.entries.set(name, entry);
    return entry;
  }

  private build(record: FunctionRecord): FunctionEntry {
    const { arnContext, metrics } = this.options;
    const s = record.spec;
    const arn = functionArn(arnContext, s.name);
    // The same environment config a published version gets, with the live spec and code.
    const config = versionEnvironmentConfig(
      { functionName: s.name, version: LATEST, spec: s, code: record.code },
      arnContext,
    );
    return {
      record,
      config,
      arn,
      latestArn: functionArn(arnContext, s.name, LATEST),
      timeoutMs: s.timeout * 1000,
      metrics: bindMetrics(metrics, s.name, LATEST),
      notInvocable:
        record.state !== 'Active'
          ? notInvocable(record)
          : s.environmentError === undefined
            ? undefined
            : environmentErrorException(s.environmentError),
    };
  }
}
