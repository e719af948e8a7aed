/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment --
   client-node's generated models (V1Deployment, ...) are classes with only public data fields and
   no behaviour; its API takes plain object literals, as all its examples do. */
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from '@kubernetes/client-node';
import type { V1CustomResourceDefinition, V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, testEnv, uniqueName } from '@lamina/testkit';

// Proves the control plane from test/env is a real one: kube-apiserver backed by etcd serves and
// enforces a CRD's OpenAPI schema, and kube-controller-manager reconciles a Deployment into a
// ReplicaSet (and the ReplicaSet into a Pod, which kube-scheduler places on the test node).

describe('kubernetes (client-node against the test control plane)', () => {
  const kc = new KubeConfig();
  kc.loadFromFile(testEnv.require('KUBECONFIG'));
  const apiext = kc.makeApiClient(ApiextensionsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  const namespace = uniqueName('smoke');
  // A group of its own per run, so concurrent runs never share a CRD.
  const group = `${uniqueName('smoke')}.test.lamina.dev`;
  const plural = 'widgets';
  const crdName = `${plural}.${group}`;

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  afterAll(async () => {
    await apiext.deleteCustomResourceDefinition({ name: crdName }).catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('creates a CRD whose schema the API server enforces on custom resources', async () => {
    const crd: V1CustomResourceDefinition = {
      metadata: { name: crdName },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size'],
                    properties: { size: { type: 'integer', minimum: 1, maximum: 10 } },
                  },
                },
              },
            },
          },
        ],
      },
    };
    await apiext.createCustomResourceDefinition({ body: crd });
    await eventually(
      async () => {
        const current = await apiext.readCustomResourceDefinition({ name: crdName });
        const established = current.status?.conditions?.some(
          (c) => c.type === 'Established' && c.status === 'True',
        );
        return established === true ? true : undefined;
      },
      { what: 'the CRD to be established' },
    );

    const widget = (name: string, size: unknown) => ({
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name },
      spec: { size },
    });
    const create = (body: object) =>
      custom.createNamespacedCustomObject({ group, version: 'v1', namespace, plural, body });

    // A valid resource is stored and read back.
    await create(widget('ok', 3));
    const stored = (await custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural,
      name: 'ok',
    })) as { spec: { size: number } };
    expect(stored.spec.size).toBe(3);

    // Invalid ones are rejected by the API server's schema validation with 422 Invalid.
    for (const [name, size, field] of [
      ['wrong-type', 'three', 'spec.size'],
      ['too-big', 11, 'spec.size'],
    ] as const) {
      const error: unknown = await create(widget(name, size)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `${name} must be rejected`).toBeInstanceOf(ApiException);
      const apiError = error as ApiException<string>;
      expect(apiError.code).toBe(422);
      const status = JSON.parse(apiError.body) as { reason: string; message: string };
      expect(status.reason).toBe('Invalid');
      expect(status.message).toContain(field);
    }
  });

  it('has kube-controller-manager turn a Deployment into a ReplicaSet and a Pod', async () => {
    const labels = { app: 'smoke' };
    const deployment: V1Deployment = {
      metadata: { name: 'smoke', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            // Never pulled: nothing can be pulled here (test/env/README.md).
            containers: [
              { name: 'main', image: 'lamina/base:bookworm-r1', imagePullPolicy: 'Never' },
            ],
          },
        },
      },
    };
    const created = await apps.createNamespacedDeployment({ namespace, body: deployment });

    const replicaSet = await eventually(
      async () => {
        const list = await apps.listNamespacedReplicaSet({ namespace });
        return list.items.find((rs) =>
          rs.metadata?.ownerReferences?.some(
            (o) => o.kind === 'Deployment' && o.uid === created.metadata?.uid,
          ),
        );
      },
      { what: 'a ReplicaSet owned by the Deployment' },
    );
    expect(replicaSet.spec?.replicas).toBe(1);

    const pod = await eventually(
      async () => {
        const list = await core.listNamespacedPod({ namespace });
        return list.items.find((p) =>
          p.metadata?.ownerReferences?.some((o) => o.uid === replicaSet.metadata?.uid),
        );
      },
      { what: 'a Pod owned by the ReplicaSet' },
    );
    expect(pod.spec?.containers[0]?.image).toBe('lamina/base:bookworm-r1');
  });
});
