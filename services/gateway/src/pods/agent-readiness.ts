/**
 * Readiness as a starting pod's agent reports it, ahead of the kubelet (issue #15, ADR 0019
 * "Cluster mode"): a version's pod whose container has started but whose Ready condition is not
 * True yet is asked `GET /readyz` directly, every `intervalMs`, and the moment its agent answers
 * 200 (code in place, init at start done) the pod joins the ready index. The kubelet would say
 * the same up to one probe period later, plus its status update and the watch (~0.5–1.3 s on a
 * cold call from zero).
 *
 * Invariants: only a version's own pods (never generic or specialised ones), only before the
 * kubelet ever reported that container Ready (after that, the watch alone decides, so a pod the
 * kubelet took out of service is never put back here), keyed by uid and restart count (a
 * restarted container starts over); polling stops at confirmation, at `maxMs`, when the pod
 * changes or goes, and on `stop()`. Safe by construction: the agent refuses what it cannot run.
 * Such pods are marked `early`: they take calls, but what the platform reports as provisioned
 * (READY) still counts only pods the kubelet reports Ready.
 */
import { get } from 'node:http';
import type { V1Pod } from '@kubernetes/client-node';
import { POOL_LABEL, WORKER_CONTAINER } from '@lamina/kube';

import { restartsOf } from './generic-pods.js';
import { type WorkerPod, workerPodOf } from './worker-pods.js';

/** Asks one agent whether it is ready (`GET /readyz` answered 200). */
export type ReadyzProbe = (ip: string, port: number) => Promise<boolean>;

export interface AgentReadinessOptions {
  readonly probe?: ReadyzProbe;
  /** The agent's port on a pod whose spec does not name one. */
  readonly port: number;
  /** Delay between two probes of one pod; default 100 ms. */
  readonly intervalMs?: number;
  /** Gives up on a pod after this long (the kubelet decides then); default 60 s. */
  readonly maxMs?: number;
  /** A pod's agent said ready: it can take invocations now. */
  readonly onConfirmed: (pod: WorkerPod) => void;
}

interface Polled {
  readonly key: string;
  readonly pod: WorkerPod;
  timer: NodeJS.Timeout | undefined;
  confirmed: boolean;
}

const keyOf = (pod: V1Pod): string => `${pod.metadata?.uid ?? ''}/${String(restartsOf(pod))}`;

/** `GET http://ip:port/readyz` → 200, within a short bound. */
export const httpReadyz: ReadyzProbe = (ip, port) =>
  new Promise((resolve) => {
    const req = get({ host: ip, port, path: '/readyz', timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve(false);
    });
  });

/**
 * The pod as the pool would take it once Ready, if it is a version's own pod whose container
 * runs and has never been reported ready; otherwise undefined.
 */
export function startingPodOf(pod: V1Pod): WorkerPod | undefined {
  if (pod.metadata?.labels?.[POOL_LABEL] !== undefined) return undefined;
  const container = pod.status?.containerStatuses?.find((c) => c.name === WORKER_CONTAINER);
  if (container?.state?.running === undefined || container.ready) return undefined;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  return workerPodOf(pod, true);
}

/** See the file comment. */
export class AgentReadiness {
  private readonly o: AgentReadinessOptions;
  private readonly probe: ReadyzProbe;
  private readonly polled = new Map<string, Polled>();
  /** Pod name → key of the container the kubelet has reported ready: never polled again. */
  private readonly seenReady = new Map<string, string>();
  private stopped = false;

  constructor(o: AgentReadinessOptions) {
    this.o = o;
    this.probe = o.probe ?? httpReadyz;
  }

  /**
   * The watch saw `pod` (add or update); returns the pod to index as ready when its agent has
   * confirmed it, else undefined (the watch's own view stands).
   */
  seen(pod: V1Pod): WorkerPod | undefined {
    const name = pod.metadata?.name;
    if (name === undefined) return undefined;
    const key = keyOf(pod);
    if (workerPodOf(pod) !== undefined) this.seenReady.set(name, key);
    const starting = this.seenReady.get(name) === key ? undefined : startingPodOf(pod);
    const current = this.polled.get(name);
    if (starting === undefined || current?.key !== key) this.forget(name);
    if (starting === undefined) return undefined;
    if (current?.key === key) return current.confirmed ? current.pod : undefined;
    if (this.stopped) return undefined;
    const early = { ...starting, early: true };
    const polled: Polled = { key, pod: early, timer: undefined, confirmed: false };
    this.polled.set(name, polled);
    this.poll(name, polled, performance.now());
    return undefined;
  }

  /** The pod is gone. */
  gone(name: string): void {
    this.forget(name);
    this.seenReady.delete(name);
  }

  stop(): void {
    this.stopped = true;
    for (const name of [...this.polled.keys()]) this.forget(name);
  }

  private forget(name: string): void {
    clearTimeout(this.polled.get(name)?.timer);
    this.polled.delete(name);
  }

  private poll(name: string, p: Polled, since: number): void {
    const { ip, port } = p.pod;
    void this.probe(ip, port ?? this.o.port).then((ready) => {
      if (this.polled.get(name) !== p) return;
      if (ready) {
        p.confirmed = true;
        this.o.onConfirmed(p.pod);
        return;
      }
      if (performance.now() - since >= (this.o.maxMs ?? 60_000)) return;
      p.timer = setTimeout(() => {
        this.poll(name, p, since);
      }, this.o.intervalMs ?? 100);
      p.timer.unref();
    });
  }
}
