import { KubeConfig, Watch } from '@kubernetes/client-node';
import { eventually } from '@lamina/testkit';

import type { FunctionJson } from './resources.js';

/** The parts of a Function's status a state test reads. */
export interface StatusSample {
  readonly state: string | undefined;
  readonly lastUpdateStatus: string | undefined;
  readonly readyEnvironments: number | undefined;
}

export interface FunctionStatusWatch {
  /** Every status seen since the watch started, in order (the first is the one it found). */
  readonly seen: readonly StatusSample[];
  /** The index in `seen` of the first status from `from` on (seen or to come) that `match` accepts. */
  until(
    match: (s: StatusSample) => boolean,
    o: { readonly timeoutMs: number; readonly what: string; readonly from?: number },
  ): Promise<number>;
  stop(): void;
}

/**
 * Watches one Function resource and records every status the operator writes to it, so a test
 * sees a window that polling could miss (a pod not ready for a second while it restarts).
 */
export async function watchFunctionStatus(ns: string, name: string): Promise<FunctionStatusWatch> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const seen: StatusSample[] = [];
  let failure: unknown;
  const abort = await new Watch(kc).watch(
    `/apis/lamina.dev/v1alpha1/namespaces/${ns}/functions`,
    { fieldSelector: `metadata.name=${name}` },
    (phase: string, obj: FunctionJson) => {
      if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
      const s = obj.status;
      seen.push({
        state: s?.state,
        lastUpdateStatus: s?.lastUpdateStatus,
        readyEnvironments: s?.readyEnvironments,
      });
    },
    (err: unknown) => {
      failure ??= err ?? new Error('the watch ended');
    },
  );
  return {
    seen,
    until: (match, { timeoutMs, what, from = 0 }) =>
      eventually(
        () => {
          const hit = seen.findIndex((s, i) => i >= from && match(s));
          if (hit < 0 && failure !== undefined) {
            throw new Error(`the watch on ${name} ended`, { cause: failure });
          }
          return hit < 0 ? undefined : hit;
        },
        { timeoutMs, intervalMs: 100, what },
      ),
    stop: () => {
      abort.abort();
    },
  };
}
