import { type AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

/**
 * The autoscaler's only write: a worker Deployment's replicas, through the `scale` subresource
 * as its own field manager, so `spec.replicas` belongs to the autoscaler and not to the
 * reconcilers' server-side apply (ADR 0017: they stop applying it while the autoscaler is on).
 * A fake records the calls in unit tests.
 */
export interface ReplicaWriter {
  setReplicas(namespace: string, deployment: string, replicas: number): Promise<void>;
}

export const AUTOSCALER_FIELD_MANAGER = 'lamina-autoscaler';

export class KubeReplicaWriter implements ReplicaWriter {
  constructor(private readonly apps: AppsV1Api) {}

  async setReplicas(namespace: string, deployment: string, replicas: number): Promise<void> {
    await this.apps.patchNamespacedDeploymentScale(
      {
        name: deployment,
        namespace,
        body: { spec: { replicas } },
        fieldManager: AUTOSCALER_FIELD_MANAGER,
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}
