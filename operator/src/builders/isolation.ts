/**
 * How every worker pod is isolated (issue #18 item 6, ADR 0036), version, image or pool pod
 * alike: non-root (uid 10001), no privilege escalation, read-only root filesystem, no
 * capabilities, seccomp RuntimeDefault, no service-account token (and, when configured, a
 * dedicated account with no RBAC instead of the namespace's `default`), no Service links.
 *
 * A function's egress groups: Lamina's answer to VpcConfig.
 * Worker pods are isolated by NetworkPolicies (the chart's `worker-egress`: DNS and the gateway
 * only); a platform team opens more per group with NetworkPolicies that select the group's pod
 * label. A Function names its groups in the annotation `lamina.dev/egress` (EGRESS_ANNOTATION
 * of @lamina/kube; comma- or space-separated, written by hand or by the gateway from
 * VpcConfig); the operator puts `egress.lamina.dev/<group>: allow` on the pods of every
 * version of that function, so the engine's label selectors find them.
 *
 * Invariants: pure; the groups come back deduplicated and sorted (the same annotation always
 * gives the same pod template, so only a real change rolls pods); a name that cannot be a label
 * name is returned in `invalid` and gets no label (the reconciler warns, the pods stay closed).
 */

import { EGRESS_GROUP_NAME } from '@lamina/core';

import type { WorkerConfig } from '../config.js';

export const WORKER_UID = 10001;

/** Every worker container's lockdown. */
export const WORKER_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The pod-level half of the lockdown, for a worker pod spec. */
export function workerPodIsolation(worker: WorkerConfig) {
  return {
    automountServiceAccountToken: false,
    ...(worker.serviceAccount === undefined ? {} : { serviceAccountName: worker.serviceAccount }),
    enableServiceLinks: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      runAsGroup: WORKER_UID,
      fsGroup: WORKER_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
  };
}

/** On a worker pod, one label per group: `egress.lamina.dev/<group>: allow`. */
export const EGRESS_LABEL_PREFIX = 'egress.lamina.dev/';
export const EGRESS_LABEL_VALUE = 'allow';

/** A label name's part after the prefix: the rule the gateway checks VpcConfig's groups with. */
const GROUP_NAME = EGRESS_GROUP_NAME;

export interface EgressGroups {
  readonly groups: readonly string[];
  readonly invalid: readonly string[];
}

/** The groups an annotation value names (absent or blank: none). */
export function egressGroupsOf(value: string | undefined): EgressGroups {
  const names = [
    ...new Set(
      (value ?? '')
        .split(/[\s,]+/)
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    ),
  ].sort();
  return {
    groups: names.filter((n) => GROUP_NAME.test(n)),
    invalid: names.filter((n) => !GROUP_NAME.test(n)),
  };
}

/** The pod labels of these groups. */
export function egressLabels(groups: readonly string[]): Record<string, string> {
  return Object.fromEntries(groups.map((g) => [`${EGRESS_LABEL_PREFIX}${g}`, EGRESS_LABEL_VALUE]));
}
