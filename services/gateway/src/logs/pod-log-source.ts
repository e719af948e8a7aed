/**
 * Cluster mode's function logs for the logs API (issue #22, ADR 0038): read from the worker pods
 * through the API server (`pods/log`), where the agent writes every function line as a pino JSON
 * record `{"time":…,"stream":"function","logStream":…,"msg":<line>}` (start-agent.ts). Nothing is
 * copied or stored: any gateway replica answers the same, and a line lives as long as its pod's
 * container log (the kubelet's rotation; gone with the pod).
 *
 * Invariants: only the function's own pods are read (its version pods and the generic pods
 * specialised for it, all versions); only `stream: function` records become events, anything
 * else the agent logs is skipped, as is a line that is not JSON; a pod that cannot be read (gone
 * between list and read, not started) adds nothing rather than failing the whole read. An
 * image function's pod adds its `function` container's lines, placed by time (image-log.ts).
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import {
  type FunctionLogSource,
  type LogEvent,
  type LogQuery,
  selectEvents,
  withRequestIds,
} from '@lamina/core';
import {
  FUNCTION_CONTAINER,
  SPECIALIZED_ANNOTATIONS,
  WORKER_CONTAINER,
  WORKER_POD_SELECTOR,
} from '@lamina/kube';

import { podTarget } from '../pods/worker-pods.js';
import { mergeTail, podEventsWithImageLines, readImageLines, stampedLines } from './image-log.js';

/** How much of one container's log to read. */
export interface LogRead {
  readonly sinceSeconds?: number;
  readonly tailLines?: number;
  /** Default the agent's (`worker`); an image function's own is `function` (ADR 0028). */
  readonly container?: string;
  /** Each line prefixed with the container runtime's RFC 3339 time and a space. */
  readonly timestamps?: boolean;
}

/** What the source needs of the API server: list the worker pods, read one's log. */
export interface PodLogApi {
  listPods(): Promise<readonly V1Pod[]>;
  readLog(pod: string, o: LogRead): Promise<string>;
}

export function kubePodLogApi(kc: KubeConfig, namespace: string): PodLogApi {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    listPods: async () =>
      (await core.listNamespacedPod({ namespace, labelSelector: WORKER_POD_SELECTOR })).items,
    readLog: (name, o) =>
      core.readNamespacedPodLog({
        name,
        namespace,
        ...o,
        container: o.container ?? WORKER_CONTAINER,
      }),
  };
}

/** A container-image function's pod: its image runs as a container of its own (ADR 0028). */
export function isImagePod(pod: V1Pod): boolean {
  return (pod.spec?.containers ?? []).some((c) => c.name === FUNCTION_CONTAINER);
}

/**
 * ClusterPool's `imageTail`: an image function's call's Tail with the lines its container logged
 * from the call's start (image-log.ts).
 */
export function imageTailOf(
  api: PodLogApi,
): (o: { pod: string; sinceMs: number; log: string }) => Promise<string> {
  return async ({ pod, sinceMs, log }) => {
    const lines = await readImageLines({
      pod,
      sinceMs,
      read: (r) =>
        api.readLog(r.pod, {
          container: FUNCTION_CONTAINER,
          timestamps: true,
          sinceSeconds: r.sinceSeconds,
        }),
    });
    return mergeTail(log, lines);
  };
}

/** The function a worker pod serves: a specialised generic pod's annotation, else its own. */
export function functionOfPod(pod: V1Pod): string | undefined {
  return (
    pod.metadata?.annotations?.[SPECIALIZED_ANNOTATIONS.functionName] ??
    podTarget(pod)?.functionName
  );
}

/** The function events of one pod's log (pino JSON lines of `stream: function`). */
export function functionEventsOf(log: string): LogEvent[] {
  const events: LogEvent[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"stream":"function"')) continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof r !== 'object' || r === null) continue;
    const { time, msg, logStream } = r as { time?: unknown; msg?: unknown; logStream?: unknown };
    if (typeof time !== 'number' || typeof msg !== 'string') continue;
    events.push({
      time,
      message: msg,
      ...(typeof logStream === 'string' ? { logStream } : {}),
    });
  }
  return events;
}

export interface PodLogSourceOptions {
  readonly api: PodLogApi;
  readonly now?: () => number;
  /** Lines read from the end of each pod's log at most (default 20,000). */
  readonly tailLines?: number;
}

export class PodLogSource implements FunctionLogSource {
  private readonly now: () => number;
  private readonly tailLines: number;

  constructor(private readonly o: PodLogSourceOptions) {
    this.now = o.now ?? Date.now;
    this.tailLines = o.tailLines ?? 20_000;
  }

  async read(functionName: string, query: LogQuery): Promise<readonly LogEvent[]> {
    const pods = (await this.o.api.listPods()).filter((p) => functionOfPod(p) === functionName);
    const sinceSeconds =
      query.since === undefined
        ? undefined
        : Math.max(1, Math.ceil((this.now() - query.since) / 1000) + 1);
    const read = (p: V1Pod, o: { container?: string; timestamps?: boolean } = {}) =>
      this.o.api
        .readLog(p.metadata?.name ?? '', {
          tailLines: this.tailLines,
          ...(sinceSeconds === undefined ? {} : { sinceSeconds }),
          ...o,
        })
        .catch(() => '');
    const perPod = await Promise.all(
      pods.map(async (p) => {
        const agent = functionEventsOf(await read(p));
        if (!isImagePod(p)) return agent;
        // An image function's own lines are in its container's log (image-log.ts).
        const own = await read(p, { container: FUNCTION_CONTAINER, timestamps: true });
        return podEventsWithImageLines(agent, stampedLines(own));
      }),
    );
    // Per pod first: START…REPORT pairs are per log stream, and a stream lives in one pod.
    const events = perPod.flatMap((podEvents) => withRequestIds(podEvents));
    return selectEvents(events, query);
  }
}
