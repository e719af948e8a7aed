import {
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { ArnContext } from '@lamina/core';
import { GROUP, type KubeLogger, RestartingInformer, VERSION } from '@lamina/kube';

import { type CodeLocator, GATEWAY_MANAGER } from './function-mapping.js';

/** The writes and fresh reads the kube stores make, in one namespace; faked in unit tests. */
export interface CustomObjects {
  get<T extends KubernetesObject>(plural: string, name: string): Promise<T>;
  create<T extends KubernetesObject>(plural: string, body: T): Promise<T>;
  /** PUT; `body.metadata.resourceVersion` makes it conditional (409 Conflict when stale). */
  replace<T extends KubernetesObject>(plural: string, name: string, body: T): Promise<T>;
  /** JSON merge patch; a `metadata.resourceVersion` in it is a precondition too. */
  mergePatch<T extends KubernetesObject>(plural: string, name: string, patch: object): Promise<T>;
  delete(plural: string, name: string): Promise<void>;
}

/** CustomObjects over client-node's CustomObjectsApi. */
/** What every store on custom resources (functions, versions, aliases) is built with. */
export interface ResourceStoreOptions {
  readonly namespace: string;
  readonly objects: CustomObjects;
  readonly locateCode: CodeLocator;
  readonly arnContext: ArnContext;
  readonly logger: KubeLogger;
  /** How often a write that lost a resourceVersion race is tried again. */
  readonly maxAttempts?: number;
  readonly syncTimeoutMs?: number;
}

export class KubeCustomObjects implements CustomObjects {
  private readonly api: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private where(plural: string): {
    group: string;
    version: string;
    namespace: string;
    plural: string;
  } {
    return { group: GROUP, version: VERSION, namespace: this.namespace, plural };
  }

  async get<T extends KubernetesObject>(plural: string, name: string): Promise<T> {
    return (await this.api.getNamespacedCustomObject({ ...this.where(plural), name })) as T;
  }

  async create<T extends KubernetesObject>(plural: string, body: T): Promise<T> {
    return (await this.api.createNamespacedCustomObject({
      ...this.where(plural),
      body,
      fieldManager: GATEWAY_MANAGER,
    })) as T;
  }

  async replace<T extends KubernetesObject>(plural: string, name: string, body: T): Promise<T> {
    return (await this.api.replaceNamespacedCustomObject({
      ...this.where(plural),
      name,
      body,
      fieldManager: GATEWAY_MANAGER,
    })) as T;
  }

  async mergePatch<T extends KubernetesObject>(
    plural: string,
    name: string,
    patch: object,
  ): Promise<T> {
    return (await this.api.patchNamespacedCustomObject(
      { ...this.where(plural), name, body: patch, fieldManager: GATEWAY_MANAGER },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as T;
  }

  async delete(plural: string, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ ...this.where(plural), name });
  }
}

/** A restarting informer on one of our custom resources in one namespace. */
export function customInformer<T extends KubernetesObject>(
  kc: KubeConfig,
  namespace: string,
  plural: string,
  logger: KubeLogger,
): RestartingInformer<T> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = async (): Promise<KubernetesListObject<T>> =>
    (await api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural,
    })) as KubernetesListObject<T>;
  return new RestartingInformer<T>({
    name: `gateway-${plural}`,
    informer: makeInformer<T>(
      kc,
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`,
      list,
    ),
    logger,
  });
}
