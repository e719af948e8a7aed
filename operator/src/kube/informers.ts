import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  type KubeConfig,
  type KubernetesListObject,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
import {
  GROUP,
  LABELS,
  MANAGED_BY,
  PLURALS,
  RestartingInformer,
  VERSION,
  type EventSourceMappingResource,
  type FunctionResource,
  type FunctionVersionResource,
  type ScheduleResource,
  type KubeLogger,
} from '@lamina/kube';

export interface Informers {
  readonly functions: RestartingInformer<FunctionResource>;
  readonly versions: RestartingInformer<FunctionVersionResource>;
  readonly deployments: RestartingInformer<V1Deployment>;
  readonly secrets: RestartingInformer<V1Secret>;
  /** Started by the mapping mirror only (the controller does not wait for it). */
  readonly mappings: RestartingInformer<EventSourceMappingResource>;
  readonly schedules: RestartingInformer<ScheduleResource>;
}

const MANAGED = `${LABELS.managedBy}=${MANAGED_BY}`;

/** Informers on our CRs (one namespace or all) and on the Deployments/Secrets we manage. */
export function makeInformers(
  kc: KubeConfig,
  namespace: string | undefined,
  logger: KubeLogger,
  onRestart?: (informer: string) => void,
): Informers {
  const hooks = onRestart === undefined ? {} : { onRestart };
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const nsPath = namespace === undefined ? '' : `/namespaces/${namespace}`;

  const customInformer = <
    T extends
      FunctionResource | FunctionVersionResource | EventSourceMappingResource | ScheduleResource,
  >(
    plural: string,
  ): RestartingInformer<T> => {
    const list = async (): Promise<KubernetesListObject<T>> =>
      (namespace === undefined
        ? await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })
        : await custom.listNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            plural,
            namespace,
          })) as KubernetesListObject<T>;
    return new RestartingInformer<T>({
      name: plural,
      informer: makeInformer<T>(kc, `/apis/${GROUP}/${VERSION}${nsPath}/${plural}`, list),
      logger,
      ...hooks,
    });
  };

  return {
    functions: customInformer<FunctionResource>(PLURALS.Function),
    versions: customInformer<FunctionVersionResource>(PLURALS.FunctionVersion),
    mappings: customInformer<EventSourceMappingResource>(PLURALS.EventSourceMapping),
    schedules: customInformer<ScheduleResource>(PLURALS.Schedule),
    deployments: new RestartingInformer<V1Deployment>({
      name: 'deployments',
      informer: makeInformer<V1Deployment>(
        kc,
        `/apis/apps/v1${nsPath}/deployments`,
        () =>
          namespace === undefined
            ? apps.listDeploymentForAllNamespaces({ labelSelector: MANAGED })
            : apps.listNamespacedDeployment({ namespace, labelSelector: MANAGED }),
        MANAGED,
      ),
      logger,
      ...hooks,
    }),
    secrets: new RestartingInformer<V1Secret>({
      name: 'secrets',
      informer: makeInformer<V1Secret>(
        kc,
        `/api/v1${nsPath}/secrets`,
        () =>
          namespace === undefined
            ? core.listSecretForAllNamespaces({ labelSelector: MANAGED })
            : core.listNamespacedSecret({ namespace, labelSelector: MANAGED }),
        MANAGED,
      ),
      logger,
      ...hooks,
    }),
  };
}
