/**
 * Relabels a specialised generic pod as its version's pod (ADR 0019), and deletes specialised
 * pods that can no longer serve. The gateway does both: it holds the pod API for its namespace
 * (Role: get, list, watch, patch, delete on pods), while worker pods run function code and get
 * no API token at all.
 *
 * Invariants: the relabel is one JSON patch guarded by a `test` on `pool=generic`, so it applies
 * to a pod still in the pool or not at all; a delete of a pod already gone is success.
 */
import { createHash } from 'node:crypto';

import {
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  type KubeLogger,
  LABELS,
  POOL_GENERIC,
  POOL_LABEL,
  POOL_SPECIALIZED,
  SPECIALIZED_ANNOTATIONS,
  versionSlug,
  type VersionLabel,
} from '@lamina/kube';

import type { PodLabeler, Specialized } from './warm-pool.js';

/** `/` and `~` escaped for a JSON pointer segment. */
const pointer = (key: string): string => key.replaceAll('~', '~0').replaceAll('/', '~1');

/** A label value of a name: ≤ 63 characters, shortened by the operator's rule (`fitName`). */
function labelValue(name: string): string {
  if (name.length <= 63) return name;
  return `${name.slice(0, 54)}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The JSON patch that turns a generic pod into `s`'s version pod (pure; unit-tested). */
export function relabelPatch(s: Specialized, hasAnnotations: boolean): object[] {
  const label = (k: string): string => `/metadata/labels/${pointer(k)}`;
  const note = (k: string): string => `/metadata/annotations/${pointer(k)}`;
  return [
    { op: 'test', path: label(POOL_LABEL), value: POOL_GENERIC },
    { op: 'replace', path: label(POOL_LABEL), value: POOL_SPECIALIZED },
    { op: 'add', path: label(LABELS.function), value: labelValue(s.functionName) },
    { op: 'add', path: label(LABELS.version), value: versionSlug(s.version as VersionLabel) },
    ...(hasAnnotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
    { op: 'add', path: note(SPECIALIZED_ANNOTATIONS.functionName), value: s.functionName },
    { op: 'add', path: note(SPECIALIZED_ANNOTATIONS.version), value: s.version },
    { op: 'add', path: note(SPECIALIZED_ANNOTATIONS.codeSha256), value: s.codeSha256Hex },
    { op: 'add', path: note(SPECIALIZED_ANNOTATIONS.restarts), value: String(s.pod.restarts) },
  ];
}

export class KubePodLabeler implements PodLabeler {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly logger: KubeLogger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async relabel(s: Specialized): Promise<void> {
    const patch = (hasAnnotations: boolean) =>
      this.core.patchNamespacedPod(
        { name: s.pod.name, namespace: this.namespace, body: relabelPatch(s, hasAnnotations) },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    try {
      await patch(true);
    } catch (err) {
      // No annotations map yet: an `add` below it fails; create it in the same patch.
      if ((err as { code?: number }).code !== 422) throw err;
      await patch(false);
    }
  }

  /** Deletes a specialised pod, spent or evicted (graceful: its agent finishes a running call first). */
  async remove(name: string): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace: this.namespace });
      this.logger.info({ pod: name }, 'deleted a specialised pod');
    } catch (err) {
      if ((err as { code?: number }).code === 404) return;
      this.logger.warn({ pod: name, err }, 'deleting a specialised pod failed');
    }
  }
}
