import type { FunctionRecord, FunctionStore } from '@lamina/core';
import { environmentErrorException, functionArn, KeyedLock } from '@lamina/core';
import { type FunctionResource, PLURALS, type RestartingInformer } from '@lamina/kube';

import { waitForCache } from './cache-wait.js';
import type { ResourceStoreOptions } from './custom-objects.js';
import { EnvironmentSecrets, functionOwner } from './environment-secrets.js';
import {
  ANNOTATIONS,
  sealingKey,
  toFunctionRecord,
  toFunctionResource,
} from './function-mapping.js';
import { isStaleWrite, toLambdaError } from './kube-errors.js';

export interface KubeFunctionStoreOptions extends ResourceStoreOptions {
  /** Informer on `functions` in the namespace; the store starts and stops it. */
  readonly informer: RestartingInformer<FunctionResource>;
  /** Where the variables live (ADR 0039); absent: inline in the resource (unit tests). */
  readonly envSecrets?: EnvironmentSecrets;
}

const hasVariables = (r: FunctionRecord): boolean => Object.keys(r.spec.environment).length > 0;

/**
 * FunctionStore on `Function` custom resources: reads come from the informer's memory (the
 * invoke path never waits on the API server), writes go to the API server and return once the
 * watch has brought them back, so a read right after a write sees it. The variables live in a
 * Secret the resource references (environment-secrets.ts): written right after a new resource
 * (owned by it), before an updated one, pruned when no longer named; a resource with inline variables (written
 * before ADR 0039) moves them to a Secret on its next update.
 */
export class KubeFunctionStore implements FunctionStore {
  private readonly listeners = new Set<(name: string) => void>();
  private readonly serial = new KeyedLock();
  private closing: Promise<void> | undefined;

  constructor(private readonly o: KubeFunctionStoreOptions) {
    const emit = (fn: FunctionResource): void => {
      const name = fn.metadata.name;
      if (name === undefined) return;
      for (const l of this.listeners) l(name);
    };
    o.informer.on('add', emit);
    o.informer.on('update', emit);
    o.informer.on('delete', emit);
  }

  /** Lists and starts watching; resolves once the cache is filled. */
  async start(): Promise<void> {
    await this.o.informer.start().catch(() => undefined);
    await this.o.informer.waitForSync(this.o.syncTimeoutMs ?? 60_000);
  }

  private resource(name: string): FunctionResource | undefined {
    const fn = this.o.informer.get(name, this.o.namespace);
    // Being deleted (a finalizer holds it): gone as far as Lambda is concerned.
    return fn?.metadata.deletionTimestamp === undefined ? fn : undefined;
  }

  private readonly variables = (secret: string) => this.o.envSecrets?.resolve(secret);

  private record(fn: FunctionResource): FunctionRecord {
    return toFunctionRecord(fn, this.o.locateCode, this.variables);
  }

  get(name: string): FunctionRecord | undefined {
    const fn = this.resource(name);
    return fn === undefined ? undefined : this.record(fn);
  }

  list(): readonly FunctionRecord[] {
    return this.o.informer
      .list(this.o.namespace)
      .filter((fn) => fn.metadata.deletionTimestamp === undefined)
      .map((fn) => this.record(fn));
  }

  private errorContext(name: string): { notFound: string; alreadyExists: string } {
    return {
      notFound: `Function not found: ${functionArn(this.o.arnContext, name)}`,
      alreadyExists: `Function already exist: ${name}`,
    };
  }

  async create(record: FunctionRecord): Promise<void> {
    const name = record.spec.name;
    const secrets = this.o.envSecrets;
    // The Function first (the API server judges its name), then its Secret, owned from the start.
    const envSecret =
      secrets !== undefined && hasVariables(record) ? EnvironmentSecrets.newName(name) : undefined;
    let created = false;
    try {
      if (record.spec.kmsKeyArn !== undefined) await secrets?.assertKmsKey(record.spec.kmsKeyArn);
      const stored = await this.o.objects.create(
        PLURALS.Function,
        toFunctionResource(record, this.o.namespace, undefined, envSecret),
      );
      created = true;
      if (envSecret !== undefined) {
        const owner = functionOwner(name, stored.metadata.uid ?? '');
        await secrets?.ensure(
          name,
          record.spec.environment,
          owner,
          undefined,
          envSecret,
          sealingKey(record.spec),
        );
      }
      await this.seen(name, stored.metadata.resourceVersion);
    } catch (err) {
      // A Function whose variables could not be written is not left behind.
      if (created && envSecret !== undefined)
        await this.o.objects.delete(PLURALS.Function, name).catch(() => undefined);
      throw toLambdaError(err, this.errorContext(name));
    }
  }

  async update(
    name: string,
    change: (current: FunctionRecord) => FunctionRecord,
  ): Promise<FunctionRecord> {
    return this.serial.run(name, async () => {
      const attempts = this.o.maxAttempts ?? 5;
      // First from the cache; after a lost race, fresh from the API server.
      let base = this.resource(name);
      for (let attempt = 1; ; attempt++) {
        try {
          base ??= await this.o.objects.get<FunctionResource>(PLURALS.Function, name);
          const current = this.record(base);
          // Sealed variables the key cannot open now would be lost by rewriting them (ADR 0046).
          if (current.spec.environmentError !== undefined)
            throw environmentErrorException(current.spec.environmentError);
          const next = change(current);
          const envSecret = await this.secretFor(next, base);
          const body = toFunctionResource(next, this.o.namespace, base, envSecret);
          const stored = await this.o.objects.replace(PLURALS.Function, name, body);
          await this.seen(name, stored.metadata.resourceVersion);
          await this.o.envSecrets?.prune(name).catch((err: unknown) => {
            this.o.logger.warn({ function: name, err }, 'could not prune variables Secrets');
          });
          return this.record(stored);
        } catch (err) {
          if (isStaleWrite(err) && attempt < attempts) {
            base = undefined;
            continue;
          }
          throw toLambdaError(err, this.errorContext(name));
        }
      }
    });
  }

  /** The Secret that holds `next`'s variables (checking its KMS key first), if any. */
  private async secretFor(
    next: FunctionRecord,
    base: FunctionResource,
  ): Promise<string | undefined> {
    const secrets = this.o.envSecrets;
    if (secrets === undefined) return undefined;
    // As on AWS, every write checks the key, variables or not.
    if (next.spec.kmsKeyArn !== undefined) await secrets.assertKmsKey(next.spec.kmsKeyArn);
    if (!hasVariables(next)) return undefined;
    return secrets.ensure(
      next.spec.name,
      next.spec.environment,
      functionOwner(next.spec.name, base.metadata.uid ?? ''),
      base.metadata.annotations?.[ANNOTATIONS.environmentSecret],
      undefined,
      sealingKey(next.spec),
    );
  }

  async delete(name: string): Promise<FunctionRecord> {
    const current = this.get(name);
    try {
      const fresh =
        current ?? this.record(await this.o.objects.get<FunctionResource>(PLURALS.Function, name));
      await this.o.objects.delete(PLURALS.Function, name);
      await waitForCache(() => this.resource(name) === undefined);
      return fresh;
    } catch (err) {
      throw toLambdaError(err, this.errorContext(name));
    }
  }

  /** Waits until the cache holds `name` at `resourceVersion` (or has moved past it). */
  private async seen(name: string, resourceVersion: string | undefined): Promise<void> {
    const ok = await waitForCache(() => {
      const rv = this.o.informer.get(name, this.o.namespace)?.metadata.resourceVersion;
      return (
        rv !== undefined &&
        (resourceVersion === undefined ||
          rv === resourceVersion ||
          Number(rv) > Number(resourceVersion))
      );
    });
    if (!ok) this.o.logger.warn({ function: name }, 'the informer has not seen our write yet');
  }

  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): Promise<void> {
    this.closing ??= this.o.informer.stop();
    return this.closing;
  }
}
