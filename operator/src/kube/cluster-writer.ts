import {
  ApiException,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1OwnerReference,
} from '@kubernetes/client-node';
import { GROUP, VERSION } from '@lamina/kube';

export const FIELD_MANAGER = 'lamina-operator';

/** The writes the reconcilers make; a fake implements it in unit tests. */
export interface ClusterWriter {
  /** Server-side apply of a whole object we own; returns what the server stored. */
  apply<T extends KubernetesObject>(obj: T): Promise<T>;
  /** Merge-patches the status subresource of one of our custom resources. */
  patchStatus(plural: string, namespace: string, name: string, status: object): Promise<void>;
  /** Replaces metadata.ownerReferences, guarded by resourceVersion. */
  setOwnerReferences(
    plural: string,
    namespace: string,
    name: string,
    refs: readonly V1OwnerReference[],
    resourceVersion: string | undefined,
  ): Promise<void>;
  /** Replaces metadata.finalizers, guarded by resourceVersion (409 if the object moved on). */
  setFinalizers(
    plural: string,
    namespace: string,
    name: string,
    finalizers: readonly string[],
    resourceVersion: string | undefined,
  ): Promise<void>;
}

/** True for "the object is gone" answers, which a level-based reconciler can ignore. */
export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiException && err.code === 409;
}

/** ClusterWriter over client-node. */
export class KubeClusterWriter implements ClusterWriter {
  private readonly objects: KubernetesObjectApi;
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async apply<T extends KubernetesObject>(obj: T): Promise<T> {
    // Server-side apply with force: the operator is the only manager of these fields.
    const stored = await this.objects.patch(
      obj,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
    return stored;
  }

  async patchStatus(
    plural: string,
    namespace: string,
    name: string,
    status: object,
  ): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, plural, namespace, name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  setFinalizers(
    plural: string,
    namespace: string,
    name: string,
    finalizers: readonly string[],
    resourceVersion: string | undefined,
  ): Promise<void> {
    return this.patchMetadata(
      plural,
      namespace,
      name,
      { finalizers: [...finalizers] },
      resourceVersion,
    );
  }

  setOwnerReferences(
    plural: string,
    namespace: string,
    name: string,
    refs: readonly V1OwnerReference[],
    resourceVersion: string | undefined,
  ): Promise<void> {
    return this.patchMetadata(
      plural,
      namespace,
      name,
      { ownerReferences: [...refs] },
      resourceVersion,
    );
  }

  private async patchMetadata(
    plural: string,
    namespace: string,
    name: string,
    fields: object,
    resourceVersion: string | undefined,
  ): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        plural,
        namespace,
        name,
        body: {
          metadata: {
            ...fields,
            ...(resourceVersion === undefined ? {} : { resourceVersion }),
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}
