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
 */
import { randomBytes } from 'node:crypto';

import {
  CoreV1Api,
  type KubeConfig,
  makeInformer,
  type V1OwnerReference,
  type V1Secret,
} from '@kubernetes/client-node';
import { keyBytesOf, kmsKeyIdOf, kmsKeyInvalid, kmsKeyNotFound } from '@lamina/core';
import { API_VERSION, type KubeLogger, LABELS, RestartingInformer } from '@lamina/kube';

import { waitForCache } from './cache-wait.js';
import { GATEWAY_MANAGER } from './function-mapping.js';
import { isNotFound } from './kube-errors.js';

export const VARIABLES_LABEL = 'lamina.dev/variables';
const SELECTOR = `${VARIABLES_LABEL}=api`;
/** On a variables Secret: the function it belongs to (names may be longer than a label value). */
export const FUNCTION_ANNOTATION = 'lamina.dev/function';
/** On a Secret in the functions' namespace: a key `KMSKeyArn` names by its id (the Secret's name). */
export const KMS_KEY_LABEL = 'lamina.dev/kms-key';

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

/** The Secret holding `env` for `functionName`, under `name`. Pure. */
export function variablesSecret(
  name: string,
  namespace: string,
  functionName: string,
  env: Readonly<Record<string, string>>,
  owner?: V1OwnerReference,
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
    data: dataOf(env),
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

  constructor(private readonly o: EnvironmentSecretsOptions) {
    this.api = o.kubeConfig.makeApiClient(CoreV1Api);
    const { namespace } = o;
    this.informer = new RestartingInformer<V1Secret>({
      name: 'gateway-variables',
      informer: makeInformer<V1Secret>(
        o.kubeConfig,
        `/api/v1/namespaces/${namespace}/secrets`,
        () => this.api.listNamespacedSecret({ namespace, labelSelector: SELECTOR }),
        SELECTOR,
      ),
      logger: o.logger,
    });
  }

  async start(timeoutMs = 60_000): Promise<void> {
    await this.informer.start().catch(() => undefined);
    await this.informer.waitForSync(timeoutMs);
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  /** The variables of a Secret the gateway wrote; undefined when it is not (yet) known. */
  variables(name: string): Record<string, string> | undefined {
    const secret = this.informer.get(name, this.o.namespace);
    return secret === undefined ? undefined : variablesOfSecret(secret);
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
  ): Promise<string> {
    const same = this.ofFunction(functionName)
      .filter((s) => s.metadata?.ownerReferences?.some((r) => r.uid === owner.uid) === true)
      .sort((a, b) => (a.metadata?.name === prefer ? -1 : b.metadata?.name === prefer ? 1 : 0))
      .find((s) => sameVariables(variablesOfSecret(s), env));
    if (same?.metadata?.name !== undefined) return same.metadata.name;
    const body = variablesSecret(name, this.o.namespace, functionName, env, owner);
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
