import {
  type ArnContext,
  functionArn,
  type FunctionRecord,
  type FunctionStore,
  type FunctionVersionConfig,
  LaminaError,
  LATEST,
  versionEnvironmentConfig,
} from '@lamina/core';
import type { Counter, Gauge, Histogram } from 'prom-client';

import type { GatewayMetrics } from './metrics.js';

type Label = 'function' | 'version';

/** The metric children of one function version, bound once instead of per request. */
export interface BoundMetrics {
  readonly invocations: Counter.Internal;
  readonly functionErrors: Counter.Internal;
  readonly throttles: Counter.Internal;
  readonly duration: Histogram.Internal<Label>;
  readonly concurrentExecutions: Gauge.Internal<Label>;
  readonly coldStarts: Counter.Internal;
  readonly initDuration: Histogram.Internal<Label>;
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

export function bindMetrics(metrics: GatewayMetrics, name: string, version: string): BoundMetrics {
  return {
    invocations: metrics.invocations.labels(name, version),
    functionErrors: metrics.functionErrors.labels(name, version),
    throttles: metrics.throttles.labels(name, version),
    duration: metrics.duration.labels(name, version),
    concurrentExecutions: metrics.concurrentExecutions.labels(name, version),
    coldStarts: metrics.coldStarts.labels(name, version),
    initDuration: metrics.initDuration.labels(name, version),
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
      notInvocable: record.state === 'Active' ? undefined : notInvocable(record),
    };
  }
}
