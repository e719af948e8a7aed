/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node models are plain JSON on the wire; object literals are what the API server gets. */
/**
 * Cluster mode's environment variables at rest (issue #18 item 5, ADR 0039): never in a Function
 * or FunctionVersion resource. The gateway writes them to a Secret of their own — one key per
 * variable, `immutable`, named `<function>-vars-<random>`, labelled `lamina.dev/variables=api`,
 * owned by the Function (deleted with it) — and the resource carries only
 * `environment.valueFrom` references to it (which the operator already projects into the worker
 * pods as files: no service-account token, no plaintext in the pod spec) and the annotation
 * `lamina.dev/environment-secret` naming it. Reads come from an informer on the labelled Secrets.
 *
 * Invariants:
 * - A Secret never changes: new values are a new Secret, so the references (and the pods' hash)
 *   change and the pods roll; equal values reuse the function's Secret that holds them, which is
 *   how a published version shares `$LATEST`'s Secret.
 * - A Secret is deleted once neither the Function nor any of its versions names it (`prune`).
 *   It is written right after its Function (whose uid owns it from the start; the API server
 *   checks the function's name first), so no Secret is ever without an owner.
 * - Values are resolved from the informer's memory; a write returns once the informer holds it.
 * - With a `KMSKeyArn` (ADR 0046) the Secret holds one key, `envelope`: the variables sealed
 *   (env-envelope.ts) under the key Secret the ARN names, read through a second informer on the
 *   labelled key Secrets. The Function then carries no references (nothing to project) but the
 *   annotation `lamina.dev/sealed-environment`, and its pods fetch the variables from the gateway.
 *   An envelope the key cannot open (key gone, not 256 bits, replaced) resolves to Lambda's
 *   KMS error, never to no variables.
 */
import { randomBytes } from 'node:crypto';

import {
  CoreV1Api,
  type KubeConfig,
  makeInformer,
  type V1OwnerReference,
  type V1Secret,
} from '@kubernetes/client-node';
import {
  type EnvironmentError,
  keyBytesOf,
  kmsDecryptError,
  kmsKeyIdOf,
  kmsKeyInvalid,
  kmsKeyNotFound,
} from '@lamina/core';
import { API_VERSION, type KubeLogger, LABELS, RestartingInformer } from '@lamina/kube';

import { EnvelopeKeyError, envelopeKeyId, openEnvelope, sealEnvelope } from '../env-envelope.js';
import { waitForCache } from './cache-wait.js';
import { GATEWAY_MANAGER } from './function-mapping.js';
import { isNotFound } from './kube-errors.js';

export const VARIABLES_LABEL = 'lamina.dev/variables';
const SELECTOR = `${VARIABLES_LABEL}=api`;
/** On a variables Secret: the function it belongs to (names may be longer than a label value). */
export const FUNCTION_ANNOTATION = 'lamina.dev/function';
/** On a Secret in the functions' namespace: a key `KMSKeyArn` names by its id (the Secret's name). */
export const KMS_KEY_LABEL = 'lamina.dev/kms-key';
const KMS_SELECTOR = `${KMS_KEY_LABEL}=true`;
/** The one key of a sealed variables Secret. */
export const ENVELOPE_KEY = 'envelope';

/** What a variables Secret holds, as the gateway reads it. */
export interface ResolvedVariables {
  readonly variables: Readonly<Record<string, string>>;
  /** True for an envelope under a KMS key (ADR 0046). */
  readonly sealed: boolean;
  /** The key id an envelope names (`kms:<id>`). */
  readonly keyId?: string;
  /** Set when an envelope cannot be opened now; `variables` is then empty. */
  readonly error?: EnvironmentError;
}

/** The Secret's data: each variable's value, base64 (as the API server stores it). */
const dataOf = (env: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(
    Object.keys(env)
      .sort()
      .map((k) => [k, Buffer.from(env[k] ?? '', 'utf8').toString('base64')]),
  );

/** The variables a Secret holds. */
export function variablesOfSecret(secret: V1Secret): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [
      k,
      Buffer.from(v, 'base64').toString('utf8'),
    ]),
  );
}

const sameVariables = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  JSON.stringify(dataOf(a)) === JSON.stringify(dataOf(b));

/**
 * The Secret holding `env` for `functionName`, under `name`; with `sealed` (the envelope, ADR
 * 0046) its only key is `envelope`. Pure.
 */
export function variablesSecret(
  name: string,
  namespace: string,
  functionName: string,
  env: Readonly<Record<string, string>>,
  owner?: V1OwnerReference,
  sealed?: object,
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    immutable: true,
    metadata: {
      name,
      namespace,
      labels: { [LABELS.partOf]: 'lamina', [VARIABLES_LABEL]: 'api' },
      annotations: { [FUNCTION_ANNOTATION]: functionName },
      ...(owner === undefined ? {} : { ownerReferences: [owner] }),
    },
    data:
      sealed === undefined
        ? dataOf(env)
        : { [ENVELOPE_KEY]: Buffer.from(JSON.stringify(sealed), 'utf8').toString('base64') },
  };
}

/** The owner reference of a Function (its variables go with it). */
export const functionOwner = (name: string, uid: string): V1OwnerReference => ({
  apiVersion: API_VERSION,
  kind: 'Function',
  name,
  uid,
});

export interface EnvironmentSecretsOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly logger: KubeLogger;
  /** The variables Secrets the function's resources name ($LATEST and every version). */
  readonly referenced: (functionName: string) => ReadonlySet<string>;
}

/** The variables Secrets of the functions' namespace: written, resolved, pruned. */
export class EnvironmentSecrets {
  private readonly api: CoreV1Api;
  private readonly informer: RestartingInformer<V1Secret>;
  private readonly keys: RestartingInformer<V1Secret>;
  /** Opened envelopes by Secret name, valid while both resource versions are the same. */
  private readonly opened = new Map<string, { at: string; value: ResolvedVariables }>();

  constructor(private readonly o: EnvironmentSecretsOptions) {
    this.api = o.kubeConfig.makeApiClient(CoreV1Api);
    this.informer = this.watch('gateway-variables', SELECTOR);
    this.keys = this.watch('gateway-kms-keys', KMS_SELECTOR);
  }

  /** A restarting informer on the namespace's Secrets that `selector` picks. */
  private watch(name: string, selector: string): RestartingInformer<V1Secret> {
    const { namespace } = this.o;
    return new RestartingInformer<V1Secret>({
      name,
      informer: makeInformer<V1Secret>(
        this.o.kubeConfig,
        `/api/v1/namespaces/${namespace}/secrets`,
        () => this.api.listNamespacedSecret({ namespace, labelSelector: selector }),
        selector,
      ),
      logger: this.o.logger,
    });
  }

  async start(timeoutMs = 60_000): Promise<void> {
    await Promise.all([
      this.informer.start().catch(() => undefined),
      this.keys.start().catch(() => undefined),
    ]);
    await Promise.all([this.informer.waitForSync(timeoutMs), this.keys.waitForSync(timeoutMs)]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.informer.stop(), this.keys.stop()]);
  }

  /** What a Secret the gateway wrote holds (an envelope opened); undefined: not (yet) known. */
  resolve(name: string): ResolvedVariables | undefined {
    const secret = this.informer.get(name, this.o.namespace);
    if (secret === undefined) {
      this.opened.delete(name); // gone: its opened variables go too
      return undefined;
    }
    const envelope = secret.data?.[ENVELOPE_KEY];
    if (envelope === undefined) return { variables: variablesOfSecret(secret), sealed: false };
    const functionName = secret.metadata?.annotations?.[FUNCTION_ANNOTATION] ?? '';
    let sealed: unknown;
    let keyId: string;
    try {
      sealed = JSON.parse(Buffer.from(envelope, 'base64').toString('utf8'));
      keyId = envelopeKeyId(sealed);
    } catch {
      const error = kmsDecryptError('KMSInvalidStateException', `${name} holds no envelope.`);
      return { variables: {}, sealed: true, error };
    }
    const id = keyId.startsWith('kms:') ? keyId.slice(4) : '';
    const key = this.keys.get(id, this.o.namespace);
    const at = `${secret.metadata?.resourceVersion ?? ''}/${key?.metadata?.resourceVersion ?? '-'}`;
    const cached = this.opened.get(name);
    if (cached?.at === at) return cached.value;
    const value = this.open(sealed, functionName, keyId, id, key);
    this.opened.set(name, { at, value });
    return value;
  }

  private open(
    sealed: unknown,
    functionName: string,
    keyId: string,
    id: string,
    key: V1Secret | undefined,
  ): ResolvedVariables {
    const fail = (error: EnvironmentError): ResolvedVariables => ({
      variables: {},
      sealed: true,
      keyId,
      error,
    });
    if (key === undefined)
      return fail(kmsDecryptError('KMSNotFoundException', `Key '${id}' does not exist`));
    const b64 = key.data?.['key'];
    const bytes = b64 === undefined ? undefined : keyBytesOf(Buffer.from(b64, 'base64'));
    if (bytes === undefined)
      return fail(kmsDecryptError('KMSInvalidStateException', `${id} holds no 256-bit key.`));
    try {
      return { variables: openEnvelope(sealed, functionName, bytes, id), sealed: true, keyId };
    } catch (err) {
      const reason =
        err instanceof EnvelopeKeyError ? 'KMSAccessDeniedException' : 'KMSInvalidStateException';
      return fail(kmsDecryptError(reason, (err as Error).message));
    }
  }

  /** The 32 bytes of the key a `KMSKeyArn` names, from the informer; undefined when none. */
  private keyBytes(arn: string): Buffer | undefined {
    const b64 = this.keys.get(kmsKeyIdOf(arn), this.o.namespace)?.data?.['key'];
    return b64 === undefined ? undefined : keyBytesOf(Buffer.from(b64, 'base64'));
  }

  private ofFunction(functionName: string): V1Secret[] {
    return this.informer
      .list(this.o.namespace)
      .filter((s) => s.metadata?.annotations?.[FUNCTION_ANNOTATION] === functionName);
  }

  /** A new Secret's name for the function (random: a name never reveals a value). */
  static newName(functionName: string): string {
    return `${functionName}-vars-${randomBytes(5).toString('hex')}`;
  }

  /**
   * The name of a Secret the function owns holding exactly `env`: `prefer` (the one its resource
   * names now) or another of its Secrets when they hold these values, else a new one (`name`
   * when given: a Function just created names its Secret before it exists).
   */
  async ensure(
    functionName: string,
    env: Readonly<Record<string, string>>,
    owner: V1OwnerReference,
    prefer?: string,
    name = EnvironmentSecrets.newName(functionName),
    kmsKeyArn?: string,
  ): Promise<string> {
    // Reused only when it holds the same values the same way (plain, or sealed by the same key).
    const keyId = kmsKeyArn === undefined ? undefined : `kms:${kmsKeyIdOf(kmsKeyArn)}`;
    const same = this.ofFunction(functionName)
      .filter((s) => s.metadata?.ownerReferences?.some((r) => r.uid === owner.uid) === true)
      .sort((a, b) => (a.metadata?.name === prefer ? -1 : b.metadata?.name === prefer ? 1 : 0))
      .find((s) => {
        const held = this.resolve(s.metadata?.name ?? '');
        return (
          held !== undefined &&
          held.error === undefined &&
          held.keyId === keyId &&
          sameVariables(held.variables, env)
        );
      });
    if (same?.metadata?.name !== undefined) return same.metadata.name;
    let sealed: object | undefined;
    if (kmsKeyArn !== undefined && keyId !== undefined) {
      // The key was just checked against the API server; the informer may be a moment behind.
      if (this.keyBytes(kmsKeyArn) === undefined)
        await waitForCache(() => this.keyBytes(kmsKeyArn) !== undefined);
      const key = this.keyBytes(kmsKeyArn);
      if (key === undefined) throw kmsKeyNotFound(kmsKeyArn);
      sealed = sealEnvelope(env, functionName, key, keyId);
    }
    const body = variablesSecret(name, this.o.namespace, functionName, env, owner, sealed);
    await this.api.createNamespacedSecret({
      namespace: this.o.namespace,
      body,
      fieldManager: GATEWAY_MANAGER,
    });
    const seen = await waitForCache(() => this.informer.get(name, this.o.namespace) !== undefined);
    if (!seen) this.o.logger.warn({ secret: name }, 'the informer has not seen our Secret yet');
    return name;
  }

  /** Deletes one Secret; gone already is fine. */
  async remove(name: string): Promise<void> {
    this.opened.delete(name);
    try {
      await this.api.deleteNamespacedSecret({ namespace: this.o.namespace, name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Deletes the function's Secrets that none of its resources names any more. */
  async prune(functionName: string): Promise<void> {
    const used = this.o.referenced(functionName);
    for (const secret of this.ofFunction(functionName)) {
      const name = secret.metadata?.name;
      if (name === undefined || used.has(name)) continue;
      await this.remove(name).catch((err: unknown) => {
        this.o.logger.warn({ secret: name, err }, 'could not delete an unused variables Secret');
      });
    }
  }

  /**
   * Checks that the key a `KMSKeyArn` names exists: the Secret named by its key id, labelled
   * `lamina.dev/kms-key=true`, holding a 256-bit `key`. Lambda's answer when not.
   */
  async assertKmsKey(arn: string): Promise<void> {
    const id = kmsKeyIdOf(arn);
    let secret: V1Secret;
    try {
      secret = await this.api.readNamespacedSecret({ namespace: this.o.namespace, name: id });
    } catch (err) {
      if (isNotFound(err)) throw kmsKeyNotFound(arn);
      throw err;
    }
    if (secret.metadata?.labels?.[KMS_KEY_LABEL] !== 'true') throw kmsKeyNotFound(arn);
    const b64 = secret.data?.['key'];
    if (b64 === undefined || keyBytesOf(Buffer.from(b64, 'base64')) === undefined) {
      throw kmsKeyInvalid(`KMSInvalidStateException KMS Message: ${arn} holds no 256-bit key.`);
    }
  }
}
