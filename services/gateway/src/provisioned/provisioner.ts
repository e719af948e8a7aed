/**
 * Turns provisioned concurrency configs into environments (issue #15 item 5). Configs are kept
 * per qualifier, as AWS keys them; an alias's config provisions the version it points to, so a
 * version's target is the sum of its own config and those of the aliases on it. The pool is told
 * each version's target (`EnvironmentPool.provision`) whenever configs, versions or aliases
 * change, and reports how many are initialised (`provisioned`), from which Get derives Status.
 *
 * Invariants: a config whose function, version or alias is gone is deleted with it (as Lambda
 * does); a version that loses its last config is set back to 0 (on-demand); with a pool that
 * cannot provision (no `provision`), configs stay IN_PROGRESS and nothing else changes.
 */
import {
  type ArnContext,
  type EnvironmentPool,
  type FunctionStore,
  isVersionNumber,
  type ProvisionedConcurrencyRecord,
  type ProvisionedConcurrencyStore,
  type ProvisionedState,
  versionEnvironmentConfig,
  type VersionStore,
} from '@lamina/core';
import type { Logger } from 'pino';

import type { ProvisionedAllocations } from './provisioned-metrics.js';

export interface ProvisionerOptions {
  readonly store: ProvisionedConcurrencyStore;
  readonly functions: Pick<FunctionStore, 'get' | 'onChange'>;
  readonly versions: Pick<VersionStore, 'getVersion' | 'getAlias' | 'onChange'>;
  readonly pool: Pick<EnvironmentPool, 'provision' | 'provisioned'>;
  readonly arnContext: ArnContext;
  readonly logger: Pick<Logger, 'warn'>;
  /** Where the metrics read each version's allocation (ProvisionedConcurrency* metrics). */
  readonly allocations?: Pick<ProvisionedAllocations, 'set'>;
}

export class Provisioner {
  readonly store: ProvisionedConcurrencyStore;
  private readonly o: ProvisionerOptions;
  /** Versions given a non-zero target, per function, so a removed one is set back to 0. */
  private readonly applied = new Map<string, Set<string>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(options: ProvisionerOptions) {
    this.o = options;
    this.store = options.store;
  }

  /** Applies the stored configs and follows later changes of functions, versions and aliases. */
  start(): void {
    const names = new Set(this.store.all().map((r) => r.functionName));
    for (const name of names) this.apply(name);
    const follow = (name: string): void => {
      if (this.applied.has(name) || this.store.list(name).length > 0) this.apply(name);
    };
    this.unsubscribe.push(this.o.functions.onChange(follow), this.o.versions.onChange(follow));
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** The version a qualifier provisions: a version number itself, an alias's target version. */
  versionOf(functionName: string, qualifier: string): string | undefined {
    if (isVersionNumber(qualifier)) {
      return this.o.versions.getVersion(functionName, qualifier)?.version;
    }
    const target = this.o.versions.getAlias(functionName, qualifier)?.functionVersion;
    return target !== undefined && isVersionNumber(target) ? target : undefined;
  }

  /** The version an alias points at (`$LATEST` included), or undefined when no such alias. */
  aliasTarget(functionName: string, alias: string): string | undefined {
    return this.o.versions.getAlias(functionName, alias)?.functionVersion;
  }

  /** Environments initialised now for this config's version, and a failure if there is one. */
  state(record: ProvisionedConcurrencyRecord): ProvisionedState {
    const version = this.versionOf(record.functionName, record.qualifier);
    if (version === undefined || this.o.pool.provisioned === undefined) return { ready: 0 };
    return this.o.pool.provisioned(record.functionName, version);
  }

  /** Recomputes a function's per-version targets and tells the pool; drops orphaned configs. */
  apply(functionName: string): void {
    const targets = new Map<string, number>();
    const gone = this.o.functions.get(functionName) === undefined;
    for (const r of this.store.list(functionName)) {
      const version = gone ? undefined : this.versionOf(functionName, r.qualifier);
      if (version === undefined) {
        this.forget(r);
        continue;
      }
      targets.set(version, (targets.get(version) ?? 0) + r.requested);
    }
    const before = this.applied.get(functionName) ?? new Set<string>();
    for (const version of before) {
      if (!targets.has(version)) this.provision(functionName, version, 0);
    }
    for (const [version, count] of targets) this.provision(functionName, version, count);
    if (targets.size === 0) this.applied.delete(functionName);
    else this.applied.set(functionName, new Set(targets.keys()));
  }

  private provision(functionName: string, version: string, count: number): void {
    this.o.allocations?.set(functionName, version, count);
    const record = this.o.versions.getVersion(functionName, version);
    if (record === undefined || this.o.pool.provision === undefined) return;
    this.o.pool.provision(versionEnvironmentConfig(record, this.o.arnContext), count);
  }

  private forget(r: ProvisionedConcurrencyRecord): void {
    this.store.delete(r.functionName, r.qualifier).catch((err: unknown) => {
      this.o.logger.warn({ err, fn: r.functionName }, 'could not drop an orphaned config');
    });
  }
}
