import {
  type AliasRecord,
  functionArn,
  type PublishDecision,
  ServiceException,
  type VersionRecord,
  type VersionStore,
  versionInUse,
  versionNotFound,
  KeyedLock,
} from '@lamina/core';
import {
  type AliasResource,
  type FunctionResource,
  type FunctionVersionResource,
  PLURALS,
  type RestartingInformer,
} from '@lamina/kube';

import { waitForCache } from './cache-wait.js';
import type { ResourceStoreOptions } from './custom-objects.js';
import { type EnvironmentSecrets, functionOwner } from './environment-secrets.js';
import { ANNOTATIONS, sealingKey } from './function-mapping.js';
import { isAlreadyExists, isNotFound, isStaleWrite, toLambdaError } from './kube-errors.js';
import {
  aliasResourceName,
  ownerOf,
  toAliasRecord,
  toAliasResource,
  toVersionRecord,
  toVersionResource,
  versionResourceName,
} from './version-mapping.js';

export interface KubeVersionStoreOptions extends ResourceStoreOptions {
  readonly versions: RestartingInformer<FunctionVersionResource>;
  readonly aliases: RestartingInformer<AliasResource>;
  /** Where the variables live (ADR 0039): a version names `$LATEST`'s Secret when equal. */
  readonly envSecrets?: EnvironmentSecrets;
}

const live = <T extends { metadata: { deletionTimestamp?: unknown } }>(r: T | undefined) =>
  r?.metadata.deletionTimestamp === undefined ? r : undefined;

/**
 * VersionStore on `FunctionVersion` (`<fn>-v<N>`) and `Alias` (`<fn>.<alias>`) resources,
 * owned by their Function. Version numbers come from a counter annotation on the Function,
 * raised with a resourceVersion precondition before the version is created, so a number is
 * never handed out twice, even after its version was deleted.
 */
export class KubeVersionStore implements VersionStore {
  private readonly listeners = new Set<(fn: string) => void>();
  private readonly serial = new KeyedLock();
  private closing: Promise<void> | undefined;

  constructor(private readonly o: KubeVersionStoreOptions) {
    const emit = (r: FunctionVersionResource | AliasResource): void => {
      for (const l of this.listeners) l(r.spec.functionName);
    };
    for (const event of ['add', 'update', 'delete'] as const) {
      o.versions.on(event, emit);
      o.aliases.on(event, emit);
    }
  }

  private readonly variables = (secret: string) => this.o.envSecrets?.resolve(secret);

  async start(): Promise<void> {
    const timeout = this.o.syncTimeoutMs ?? 60_000;
    await Promise.all(
      [this.o.versions, this.o.aliases].map(async (i) => {
        await i.start().catch(() => undefined);
        await i.waitForSync(timeout);
      }),
    );
  }

  getVersion(functionName: string, version: string): VersionRecord | undefined {
    const r = live(
      this.o.versions.get(versionResourceName(functionName, version), this.o.namespace),
    );
    return r?.spec.functionName === functionName && r.spec.version === version
      ? toVersionRecord(r, this.o.locateCode, this.variables)
      : undefined;
  }

  listVersions(functionName: string): readonly VersionRecord[] {
    return this.o.versions
      .list(this.o.namespace)
      .filter((r) => live(r) !== undefined && r.spec.functionName === functionName)
      .map((r) => toVersionRecord(r, this.o.locateCode, this.variables))
      .sort((a, b) => Number(a.version) - Number(b.version));
  }

  getAlias(functionName: string, name: string): AliasRecord | undefined {
    let key: string;
    try {
      key = aliasResourceName(functionName, name);
    } catch {
      return undefined;
    }
    const r = live(this.o.aliases.get(key, this.o.namespace));
    return r?.spec.name === name ? toAliasRecord(r) : undefined;
  }

  listAliases(functionName: string): readonly AliasRecord[] {
    return this.o.aliases
      .list(this.o.namespace)
      .filter((r) => live(r) !== undefined && r.spec.functionName === functionName)
      .map(toAliasRecord)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private ctx(fn: string, qualifier?: string, kind = 'Function') {
    const arn = functionArn(this.o.arnContext, fn, qualifier);
    return {
      notFound: `${kind} not found: ${arn}`,
      alreadyExists: `${kind} already exists: ${arn}`,
    };
  }

  private async owner(functionName: string): Promise<FunctionResource> {
    try {
      return await this.o.objects.get<FunctionResource>(PLURALS.Function, functionName);
    } catch (err) {
      throw toLambdaError(err, this.ctx(functionName));
    }
  }

  publish(
    functionName: string,
    decide: (last: VersionRecord | undefined, nextVersion: string) => PublishDecision,
  ): Promise<PublishDecision> {
    return this.serial.run(functionName, async () => {
      for (let attempt = 1; attempt <= (this.o.maxAttempts ?? 8); attempt++) {
        const fn = await this.owner(functionName);
        const versions = this.listVersions(functionName);
        const last = versions.at(-1);
        const counter = Math.max(
          Number(fn.metadata.annotations?.[ANNOTATIONS.versionCounter] ?? '0') || 0,
          Number(last?.version ?? '0'),
        );
        const decision = decide(last, String(counter + 1));
        if (decision.kind === 'existing') return decision;
        try {
          // Claim the number first: once the counter says N, nobody gets N again.
          await this.o.objects.mergePatch(PLURALS.Function, functionName, {
            metadata: {
              resourceVersion: fn.metadata.resourceVersion,
              annotations: { [ANNOTATIONS.versionCounter]: decision.record.version },
            },
          });
          const env = decision.record.spec.environment;
          const envSecret =
            this.o.envSecrets === undefined || Object.keys(env).length === 0
              ? undefined
              : await this.o.envSecrets.ensure(
                  functionName,
                  env,
                  functionOwner(functionName, fn.metadata.uid ?? ''),
                  fn.metadata.annotations?.[ANNOTATIONS.environmentSecret],
                  undefined,
                  sealingKey(decision.record.spec),
                );
          const stored = await this.o.objects.create(
            PLURALS.FunctionVersion,
            toVersionResource(decision.record, this.o.namespace, ownerOf(fn), envSecret),
          );
          await this.seenVersion(stored);
          return decision;
        } catch (err) {
          if (isStaleWrite(err) || isAlreadyExists(err)) continue;
          throw toLambdaError(err, this.ctx(functionName, decision.record.version));
        }
      }
      throw new ServiceException(`Could not claim a version number for ${functionName}.`);
    });
  }

  async deleteVersion(functionName: string, version: string): Promise<void> {
    if (this.getVersion(functionName, version) === undefined) {
      throw versionNotFound(this.o.arnContext, functionName, version);
    }
    const using = this.listAliases(functionName)
      .filter((a) => a.functionVersion === version || version in a.additionalVersionWeights)
      .map((a) => a.name);
    if (using.length > 0) throw versionInUse(using);
    try {
      await this.o.objects.delete(
        PLURALS.FunctionVersion,
        versionResourceName(functionName, version),
      );
    } catch (err) {
      throw toLambdaError(err, this.ctx(functionName, version));
    }
    await waitForCache(() => this.getVersion(functionName, version) === undefined);
    await this.o.envSecrets?.prune(functionName).catch((err: unknown) => {
      this.o.logger.warn({ function: functionName, err }, 'could not prune variables Secrets');
    });
  }

  async createAlias(alias: AliasRecord): Promise<void> {
    const fn = await this.owner(alias.functionName);
    const body = toAliasResource(alias, this.o.namespace, ownerOf(fn));
    try {
      await this.o.objects.create(PLURALS.Alias, body);
    } catch (err) {
      throw toLambdaError(err, this.ctx(alias.functionName, alias.name, 'Alias'));
    }
    await waitForCache(
      () => this.getAlias(alias.functionName, alias.name)?.revisionId === alias.revisionId,
    );
  }

  updateAlias(
    functionName: string,
    name: string,
    change: (current: AliasRecord) => AliasRecord,
  ): Promise<AliasRecord> {
    const key = aliasResourceName(functionName, name);
    return this.serial.run(`${functionName}.${name}`, async () => {
      let base = live(this.o.aliases.get(key, this.o.namespace));
      for (let attempt = 1; ; attempt++) {
        try {
          base ??= await this.o.objects.get<AliasResource>(PLURALS.Alias, key);
          const next = change(toAliasRecord(base));
          const owner = { name: functionName, uid: '' };
          const stored = await this.o.objects.replace(
            PLURALS.Alias,
            key,
            toAliasResource(next, this.o.namespace, owner, base),
          );
          const rv = stored.metadata.resourceVersion;
          await waitForCache(
            () => this.o.aliases.get(key, this.o.namespace)?.metadata.resourceVersion === rv,
          );
          return toAliasRecord(stored);
        } catch (err) {
          if (isStaleWrite(err) && attempt < (this.o.maxAttempts ?? 5)) {
            base = undefined;
            continue;
          }
          throw toLambdaError(err, this.ctx(functionName, name, 'Alias'));
        }
      }
    });
  }

  async deleteAlias(functionName: string, name: string): Promise<void> {
    try {
      await this.o.objects.delete(PLURALS.Alias, aliasResourceName(functionName, name));
    } catch (err) {
      throw toLambdaError(err, this.ctx(functionName, name, 'Alias'));
    }
    await waitForCache(() => this.getAlias(functionName, name) === undefined);
  }

  /** The Function is gone: its versions and aliases go too (owner references do it as well). */
  async deleteFunction(functionName: string): Promise<void> {
    const doomed: [string, string][] = [
      ...this.listVersions(functionName).map((v): [string, string] => [
        PLURALS.FunctionVersion,
        versionResourceName(functionName, v.version),
      ]),
      ...this.listAliases(functionName).map((a): [string, string] => [
        PLURALS.Alias,
        aliasResourceName(functionName, a.name),
      ]),
    ];
    try {
      // One by one (no deletecollection in the gateway's RBAC); already gone is fine.
      await Promise.all(
        doomed.map(([plural, name]) =>
          this.o.objects.delete(plural, name).catch((err: unknown) => {
            if (!isNotFound(err)) throw err;
          }),
        ),
      );
    } catch (err) {
      throw toLambdaError(err, this.ctx(functionName));
    }
    await waitForCache(
      () =>
        this.listVersions(functionName).length === 0 && this.listAliases(functionName).length === 0,
    );
  }

  private async seenVersion(stored: FunctionVersionResource): Promise<void> {
    const ok = await waitForCache(
      () => this.getVersion(stored.spec.functionName, stored.spec.version) !== undefined,
    );
    if (!ok)
      this.o.logger.warn(
        { version: stored.metadata.name },
        'the informer has not seen our write yet',
      );
  }

  onChange(listener: (functionName: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([this.o.versions.stop(), this.o.aliases.stop()]).then(
      () => undefined,
    );
    return this.closing;
  }
}
