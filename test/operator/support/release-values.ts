import type { WorkerImage } from './worker-image.js';

// What charts/lamina needs to run on the test node (test/env/README.md): a hostPath code store
// and values that fit one small node with no registry.

/** A hostPath PersistentVolume and the `lamina-code` claim bound to it in `ns`. */
export const codeStore = (pv: string, ns: string, path: string): string => `apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${pv}
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteMany, ReadOnlyMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  claimRef: { namespace: ${ns}, name: lamina-code }
  hostPath: { path: ${path}, type: Directory }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: lamina-code
  namespace: ${ns}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: ""
  volumeName: ${pv}
  resources: { requests: { storage: 1Gi } }
`;

const small = (cpu: string, memory: string) => ({
  requests: { cpu: '10m', memory: '64Mi' },
  limits: { cpu, memory },
});

/**
 * Helm values for the test node: images loaded into it (never pulled), one replica each with
 * small requests, the functions in the release namespace (Roles, no cluster-wide objects), the
 * `lamina-code` claim of codeStore().
 */
export function testEnvValues(o: {
  tag: string;
  redisUrl: string;
  redisPrefix: string;
  namespace: string;
  worker: WorkerImage;
}): Record<string, unknown> {
  return {
    global: { imagePullPolicy: 'Never' },
    redis: { url: o.redisUrl, prefix: o.redisPrefix },
    watchNamespace: o.namespace,
    operator: {
      image: { tag: o.tag },
      replicas: 1,
      resources: small('500m', '256Mi'),
      worker: {
        imagePrefix: o.worker.prefix,
        imageTag: o.worker.tag,
        codeStoreClaim: 'lamina-code',
        minReplicas: 1,
      },
    },
    gateway: { image: { tag: o.tag }, replicas: 1, resources: small('1', '512Mi') },
    dispatcher: {
      image: { tag: o.tag },
      replicas: 1,
      concurrency: 4,
      resources: small('500m', '256Mi'),
    },
    // No event source mappings here: the poller starts idle and is healthy without Kafka.
    poller: { image: { tag: o.tag }, replicas: 1, resources: small('500m', '256Mi') },
  };
}
