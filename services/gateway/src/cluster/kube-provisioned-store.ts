/**
 * Provisioned concurrency configs in cluster mode (issue #15 item 5), kept on the resources
 * they configure, so every gateway replica sees the same set and a restarted one finds it: a
 * version's config is an annotation on its FunctionVersion, an alias's on its Alias
 * (`lamina.dev/provisioned-concurrency: {"requested":2,"lastModified":"…"}`). The summed
 * target of a version is written by the pool (`KubeProvisioning`), not here.
 *
 * Invariants: reads come from the informer caches the version store also reads; a write waits
 * until the cache shows it (read-your-writes for the answer that follows); a config goes with
 * its resource (deleting a version or alias deletes its config, as Lambda does); an annotation
 * that does not parse is no config.
 */
import {
  type ArnContext,
  functionArn,
  isVersionNumber,
  provisionedConfigNotFound,
  type ProvisionedConcurrencyRecord,
  type ProvisionedConcurrencyStore,
} from '@lamina/core';
import {
  type AliasResource,
  type FunctionVersionResource,
  PLURALS,
  type RestartingInformer,
} from '@lamina/kube';

import { waitForCache } from './cache-wait.js';
import type { CustomObjects } from './custom-objects.js';
import { toLambdaError } from './kube-errors.js';
import { aliasResourceName, versionResourceName } from './version-mapping.js';

/** On a FunctionVersion or Alias: its provisioned concurrency config, JSON. */
export const PROVISIONED_ANNOTATION = 'lamina.dev/provisioned-concurrency';

export interface KubeProvisionedStoreOptions {
  readonly namespace: string;
  readonly versions: Pick<RestartingInformer<FunctionVersionResource>, 'get' | 'list'>;
  readonly aliases: Pick<RestartingInformer<AliasResource>, 'get' | 'list'>;
  readonly objects: CustomObjects;
  readonly arnContext: ArnContext;
}

type Configurable = FunctionVersionResource | AliasResource;

/** The config an annotation holds, or undefined when there is none (or it does not parse). */
export function parseProvisioned(
  functionName: string,
  qualifier: string,
  text: string | undefined,
): ProvisionedConcurrencyRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as { requested?: unknown; lastModified?: unknown };
    if (typeof v.requested !== 'number' || !Number.isInteger(v.requested) || v.requested < 1) {
      return undefined;
    }
    if (typeof v.lastModified !== 'string') return undefined;
    return { functionName, qualifier, requested: v.requested, lastModified: v.lastModified };
  } catch {
    return undefined;
  }
}

const qualifierOf = (r: Configurable): string =>
  'version' in r.spec ? r.spec.version : r.spec.name;

export class KubeProvisionedStore implements ProvisionedConcurrencyStore {
  constructor(private readonly o: KubeProvisionedStoreOptions) {}

  get(functionName: string, qualifier: string): ProvisionedConcurrencyRecord | undefined {
    const r = this.resource(functionName, qualifier);
    return r === undefined
      ? undefined
      : parseProvisioned(functionName, qualifier, r.metadata.annotations?.[PROVISIONED_ANNOTATION]);
  }

  list(functionName: string): readonly ProvisionedConcurrencyRecord[] {
    return this.all()
      .filter((r) => r.functionName === functionName)
      .sort((a, b) => (a.qualifier < b.qualifier ? -1 : a.qualifier > b.qualifier ? 1 : 0));
  }

  all(): readonly ProvisionedConcurrencyRecord[] {
    const resources: Configurable[] = [
      ...this.o.versions.list(this.o.namespace),
      ...this.o.aliases.list(this.o.namespace),
    ];
    return resources.flatMap((r) => {
      if (r.metadata.deletionTimestamp !== undefined) return [];
      const record = parseProvisioned(
        r.spec.functionName,
        qualifierOf(r),
        r.metadata.annotations?.[PROVISIONED_ANNOTATION],
      );
      return record === undefined ? [] : [record];
    });
  }

  async put(record: ProvisionedConcurrencyRecord): Promise<void> {
    const value = JSON.stringify({
      requested: record.requested,
      lastModified: record.lastModified,
    });
    await this.annotate(record.functionName, record.qualifier, value);
    await waitForCache(() => {
      const seen = this.get(record.functionName, record.qualifier);
      return seen?.lastModified === record.lastModified && seen.requested === record.requested;
    });
  }

  async delete(functionName: string, qualifier: string): Promise<void> {
    if (this.get(functionName, qualifier) === undefined) throw provisionedConfigNotFound();
    await this.annotate(functionName, qualifier, null);
    await waitForCache(() => this.get(functionName, qualifier) === undefined);
  }

  /** The configs live on the function's versions and aliases, which go with it. */
  deleteFunction(): Promise<void> {
    return Promise.resolve();
  }

  private resource(functionName: string, qualifier: string): Configurable | undefined {
    const r = isVersionNumber(qualifier)
      ? this.o.versions.get(versionResourceName(functionName, qualifier), this.o.namespace)
      : this.aliasResource(functionName, qualifier);
    return r?.metadata.deletionTimestamp === undefined && r?.spec.functionName === functionName
      ? r
      : undefined;
  }

  private aliasResource(functionName: string, alias: string): AliasResource | undefined {
    try {
      return this.o.aliases.get(aliasResourceName(functionName, alias), this.o.namespace);
    } catch {
      return undefined; // Not a name an Alias resource can have: no such alias.
    }
  }

  private async annotate(fn: string, qualifier: string, value: string | null): Promise<void> {
    const version = isVersionNumber(qualifier);
    const plural = version ? PLURALS.FunctionVersion : PLURALS.Alias;
    const name = version ? versionResourceName(fn, qualifier) : aliasResourceName(fn, qualifier);
    try {
      await this.o.objects.mergePatch(plural, name, {
        metadata: { annotations: { [PROVISIONED_ANNOTATION]: value } },
      });
    } catch (err) {
      const arn = functionArn(this.o.arnContext, fn, qualifier);
      throw toLambdaError(err, {
        notFound: `Function not found: ${arn}`,
        alreadyExists: `Function already exists: ${arn}`,
      });
    }
  }
}
