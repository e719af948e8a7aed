import {
  type AliasRecord,
  type ArnContext,
  functionArn,
  type FunctionRef,
  type FunctionVersionConfig,
  isVersionNumber,
  LaminaError,
  LATEST,
  pickAliasVersion,
  type VersionRecord,
  type VersionStore,
  versionEnvironmentConfig,
  environmentErrorException,
  functionNotFound,
} from '@lamina/core';

import { type BoundMetrics, bindMetrics, type FunctionEntries } from './function-entries.js';
import type { GatewayMetrics } from './metrics.js';

/** What the invoke path needs to run one invocation of one function version. */
export interface TargetBase {
  readonly config: FunctionVersionConfig;
  /** Admission lease budget: the function timeout. */
  readonly timeoutMs: number;
  readonly metrics: BoundMetrics;
  /** Set when the function cannot be invoked now: what an invoke answers (409). */
  readonly notInvocable: LaminaError | undefined;
}

export interface InvokeTarget extends TargetBase {
  /** The ARN the caller used: unqualified, or with the version or alias it named. */
  readonly invokedArn: string;
}

interface VersionEntry {
  readonly record: VersionRecord;
  readonly base: TargetBase;
}

export interface InvokeTargetsOptions {
  readonly entries: FunctionEntries;
  readonly versions: Pick<VersionStore, 'getVersion' | 'getAlias'>;
  readonly arnContext: ArnContext;
  readonly metrics: GatewayMetrics;
  /** One draw in [0, 1) per invocation of a weighted alias. Default Math.random. */
  readonly random?: () => number;
}

/**
 * Resolves what an Invoke names (`name`, `name:$LATEST`, `name:7`, `name:alias`) to the
 * version that runs, from memory in O(1): the store's records are cached with the derived
 * environment config and metric children, rebuilt only when a record object changes. A
 * weighted alias costs one random draw.
 */
export class InvokeTargets {
  private readonly versionEntries = new Map<string, VersionEntry>();
  private readonly aliasArns = new Map<string, { record: AliasRecord; arn: string }>();
  /** Per base (a FunctionEntry or a version's), the target per invoked ARN. */
  private readonly byArn = new WeakMap<TargetBase, Map<string, InvokeTarget>>();
  private readonly random: () => number;

  constructor(private readonly options: InvokeTargetsOptions) {
    this.random = options.random ?? Math.random;
  }

  /** ResourceNotFoundException (with the qualified ARN, like Lambda) when nothing matches. */
  resolve(ref: FunctionRef): InvokeTarget {
    const { entries, versions } = this.options;
    const entry = entries.get(ref.name);
    const q = ref.qualifier;
    if (entry !== undefined) {
      if (q === undefined) return this.target(entry, entry.arn);
      if (q === LATEST) return this.target(entry, entry.latestArn);
      if (isVersionNumber(q)) {
        const v = this.version(ref.name, q);
        if (v !== undefined)
          return this.target(v, functionArn(this.options.arnContext, ref.name, q));
      } else {
        const alias = versions.getAlias(ref.name, q);
        if (alias !== undefined) {
          const arn = this.aliasArn(alias);
          const picked =
            Object.keys(alias.additionalVersionWeights).length === 0
              ? alias.functionVersion
              : pickAliasVersion(alias, this.random());
          if (picked === LATEST) return this.target(entry, arn);
          const v = this.version(ref.name, picked);
          if (v !== undefined) return this.target(v, arn);
        }
      }
    }
    // Unqualified, AWS names the version an invoke would run: `…:function:x:$LATEST`.
    throw functionNotFound(this.options.arnContext, ref.name, q ?? LATEST);
  }

  private version(name: string, version: string): TargetBase | undefined {
    const record = this.options.versions.getVersion(name, version);
    const key = `${name}:${version}`;
    if (record === undefined) {
      this.versionEntries.delete(key);
      return undefined;
    }
    const cached = this.versionEntries.get(key);
    if (cached?.record === record) return cached.base;
    const base: TargetBase = {
      config: versionEnvironmentConfig(record, this.options.arnContext),
      timeoutMs: record.spec.timeout * 1000,
      metrics: bindMetrics(this.options.metrics, name, version),
      // Sealed variables its KMS key cannot open: Lambda's KMS* 502 (ADR 0046).
      notInvocable:
        record.spec.environmentError === undefined
          ? undefined
          : environmentErrorException(record.spec.environmentError),
    };
    this.versionEntries.set(key, { record, base });
    return base;
  }

  private aliasArn(alias: AliasRecord): string {
    const key = `${alias.functionName}:${alias.name}`;
    const cached = this.aliasArns.get(key);
    if (cached?.record === alias) return cached.arn;
    const arn = functionArn(this.options.arnContext, alias.functionName, alias.name);
    this.aliasArns.set(key, { record: alias, arn });
    return arn;
  }

  private target(base: TargetBase, invokedArn: string): InvokeTarget {
    let targets = this.byArn.get(base);
    if (targets === undefined) {
      targets = new Map();
      this.byArn.set(base, targets);
    }
    let target = targets.get(invokedArn);
    if (target === undefined) {
      const { name, version } = base.config;
      target = {
        config: base.config,
        timeoutMs: base.timeoutMs,
        // Lambda's Resource dimension: what the ARN names after `function:`.
        metrics: bindMetrics(this.options.metrics, name, version, resourceOf(invokedArn)),
        notInvocable: base.notInvocable,
        invokedArn,
      };
      targets.set(invokedArn, target);
    }
    return target;
  }
}

/** `name` or `name:qualifier`: the invoked ARN after `:function:`. */
function resourceOf(arn: string): string {
  const at = arn.indexOf(':function:');
  return at < 0 ? arn : arn.slice(at + ':function:'.length);
}
