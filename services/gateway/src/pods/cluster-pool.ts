import {
  type EnvironmentPool,
  type FunctionVersionConfig,
  type Invocation,
  type InvocationResult,
  ResourceNotReadyException,
  ServiceException,
  TooManyRequestsException,
} from '@lamina/core';
import type { KubeLogger } from '@lamina/kube';

import { type AgentClient, AgentUnreachableError } from './agent-client.js';
import { type ClusterPoolMetrics, countServedWait } from './cluster-pool-metrics.js';
import type { PoolDemand } from './pool-demand.js';
import type { WorkerPod, WorkerPodSource } from './worker-pods.js';

export interface ClusterPoolOptions {
  /** Ready worker pods per function version (the pod watch; an index fed directly in tests). */
  readonly pods: WorkerPodSource;
  /** Stops what feeds `pods` (the watch's informer); called by `close()`. */
  readonly stopPods?: () => Promise<void>;
  readonly client: AgentClient;
  /** The worker agent's port on a pod whose spec does not name one. */
  readonly port: number;
  /** How long an invocation waits for a first ready pod of its version (pods may be starting). */
  readonly coldStartWaitMs: number;
  /** How long an invocation waits for a pod to free up when all are busy. */
  readonly busyWaitMs: number;
  /** A pod that refused connections, is draining or is not what it says is skipped this long. */
  readonly unhealthyMs?: number;
  /** A pod another gateway is using (refusal `busy`) is tried again after this long. */
  readonly busyRetryMs?: number;
  /** The call to an agent may take the invocation's time left plus this. */
  readonly timeoutMarginMs?: number;
  readonly logger: KubeLogger;
  /** Waits, refusals, unreachable pods (`createClusterPoolMetrics`); absent: not counted. */
  readonly metrics?: ClusterPoolMetrics;
  /**
   * Told when a call runs and when it waits for an environment (ADR 0017: the autoscaler's
   * demand, and a wake when a wait begins); absent: nothing is reported.
   */
  readonly demand?: PoolDemand;
  /** Provisioned concurrency on the resources (cluster/kube-provisioning); absent: none. */
  readonly provisioning?: {
    provision(fn: FunctionVersionConfig, count: number): void;
    provisioned(functionName: string, version: string): { ready: number; failure?: string };
  };
  /** Pre-warmed generic pods (ADR 0019): a call with no free pod claims one once; absent: none. */
  readonly warmPool?: {
    claim(fn: FunctionVersionConfig): Promise<WorkerPod | undefined>;
    /** The call that claimed `podName` has its answer: the pool may relabel the pod now. */
    firstCallEnded(podName: string): void;
    /** Ends the specialised pods of a changed or deleted function (its Deployment is the operator's). */
    evict(functionName: string, version?: string): Promise<void>;
  };
  /**
   * A container-image function's Tail (ADR 0028): its own lines are in its container's log, not
   * the agent's; given the pod, the call's start (`now()`'s clock) and the agent's Tail, answers
   * the Tail with them (image-log.ts). Absent: the agent's Tail as it is.
   */
  readonly imageTail?: (o: { pod: string; sinceMs: number; log: string }) => Promise<string>;
  readonly now?: () => number;
}

interface PodState {
  readonly functionName: string;
  inFlight: number;
  /** Skipped until then (connection refused, draining, wrong target). */
  unhealthyUntil: number;
  /** Another gateway replica is using it until about then. */
  busyUntil: number;
}

type Pick =
  | { readonly kind: 'pod'; readonly pod: WorkerPod }
  /** No ready pod to try: wait for one (cold start). */
  | { readonly kind: 'none'; readonly retryAt: number }
  /** Ready pods, all busy: wait for one to free up. */
  | { readonly kind: 'busy'; readonly retryAt: number };

/** One in-flight invocation per pod from this gateway: the agent runs one at a time. */
const MAX_IN_FLIGHT_PER_POD = 1;
const RETRY = Symbol('retry');
/** More pod states than this and idle ones are swept. */
const STATE_SWEEP_SIZE = 256;

const base64ToHex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');
const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

/**
 * The execution environments of cluster mode: the worker pods the operator runs per function
 * version, reached through their worker agents (`@lamina/core`'s agent protocol). Picks a
 * ready pod of the version, preferring those on the function's current code (older code keeps
 * serving while a rollout is in progress, as in Lambda), least in-flight then round robin, one
 * invocation per pod from this gateway. Waits, bounded, for a pod to free up or to become
 * ready. A refusal or a connection that never opened did not run the invocation, so another
 * pod is tried; a failure after the request went out is final (never run twice).
 */
export class ClusterPool implements EnvironmentPool {
  private readonly o: ClusterPoolOptions;
  private readonly now: () => number;
  private readonly unhealthyMs: number;
  private readonly busyRetryMs: number;
  private readonly marginMs: number;
  private readonly states = new Map<string, PodState>();
  private readonly cursors = new Map<string, number>();
  private readonly wakers = new Set<() => void>();
  private readonly unsubscribe: () => void;
  private closing: Promise<void> | undefined;

  constructor(o: ClusterPoolOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.unhealthyMs = o.unhealthyMs ?? 5_000;
    this.busyRetryMs = o.busyRetryMs ?? 100;
    this.marginMs = o.timeoutMarginMs ?? 5_000;
    this.unsubscribe = o.pods.onChange(() => {
      this.wake();
    });
  }

  async invoke(fn: FunctionVersionConfig, invocation: Invocation): Promise<InvocationResult> {
    const want = fn.codeSha256 === '' ? undefined : base64ToHex(fn.codeSha256);
    let noPodSince: number | undefined;
    let busySince: number | undefined;
    /** Start of the wait in progress (metrics); a retry after it may start another. */
    let waitingSince: number | undefined;
    /** Releases the wait counted as demand; set while the call waits for an environment. */
    let endWait: (() => void) | undefined;
    let warmTried = this.o.warmPool === undefined;
    /** The generic pod this call claimed, until its call on it ended. */
    let claimed: string | undefined;
    try {
      for (;;) {
        if (this.closing !== undefined) {
          throw new ServiceException('the gateway is shutting down', { retriable: true });
        }
        const now = this.now();
        let pick = this.pick(fn, want, now);
        if (pick.kind !== 'pod' && !warmTried) {
          // No free pod: claim a generic one (a wait, so the autoscaler still adds pods).
          warmTried = true;
          waitingSince ??= now;
          endWait ??= this.o.demand?.wait(fn);
          const pod = await this.o.warmPool?.claim(fn);
          if (pod !== undefined) {
            pick = { kind: 'pod', pod };
            claimed = pod.name;
          }
        }
        if (pick.kind === 'pod') {
          if (waitingSince !== undefined) {
            countServedWait(this.o.metrics, this.now() - waitingSince);
          }
          waitingSince = undefined;
          endWait?.();
          endWait = undefined;
          const endRun = this.o.demand?.run(fn);
          const startedAt = this.now();
          const result = await this.call(pick.pod, fn, invocation).finally(() => {
            endRun?.();
            if (claimed !== undefined) this.o.warmPool?.firstCallEnded(claimed);
            claimed = undefined;
          });
          if (result === RETRY) continue;
          // An image function's own lines, read once its pod is free for the next call.
          if (invocation.tailLog && fn.image !== undefined && this.o.imageTail !== undefined) {
            const log = await this.o.imageTail({
              pod: pick.pod.name,
              sinceMs: startedAt,
              log: result.log ?? '',
            });
            return { ...result, log };
          }
          return result;
        }
        let bound: number;
        if (pick.kind === 'none') {
          noPodSince ??= now;
          bound = noPodSince + this.o.coldStartWaitMs;
          if (now >= bound) {
            this.o.metrics?.waits.inc({ outcome: 'cold_start_timeout' });
            throw new ResourceNotReadyException(
              `no execution environment is ready for ${fn.name}:${fn.version}: no ready worker pod within ${seconds(this.o.coldStartWaitMs)} s`,
            );
          }
        } else {
          busySince ??= now;
          bound = busySince + this.o.busyWaitMs;
          if (now >= bound) {
            this.o.metrics?.waits.inc({ outcome: 'busy_timeout' });
            throw new TooManyRequestsException(
              'ConcurrentInvocationLimitExceeded',
              1,
              `every execution environment of ${fn.name}:${fn.version} stayed busy for ${seconds(this.o.busyWaitMs)} s`,
            );
          }
        }
        waitingSince ??= now;
        endWait ??= this.o.demand?.wait(fn);
        await this.waitForChange(Math.min(bound, pick.retryAt) - now);
      }
    } finally {
      endWait?.();
    }
  }

  /**
   * A version's own pods follow the Function resource (the operator rolls or deletes them);
   * specialised generic pods belong to no Deployment, so they are deleted here.
   */
  evict(functionName: string, version?: string): Promise<void> {
    return this.o.warmPool?.evict(functionName, version) ?? Promise.resolve();
  }

  provision(fn: FunctionVersionConfig, count: number): void {
    this.o.provisioning?.provision(fn, count);
  }

  provisioned(functionName: string, version: string): { ready: number; failure?: string } {
    return this.o.provisioning?.provisioned(functionName, version) ?? { ready: 0 };
  }

  /** Invocations in flight from this gateway, per function name. */
  busy(): ReadonlyMap<string, number> {
    const busy = new Map<string, number>();
    for (const s of this.states.values()) {
      if (s.inFlight > 0) busy.set(s.functionName, (busy.get(s.functionName) ?? 0) + s.inFlight);
    }
    return busy;
  }

  /** Stops the pod watch and fails waiting invocations; idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unsubscribe();
      this.wake();
      this.o.client.close();
      await this.o.stopPods?.();
    })();
    return this.closing;
  }

  private pick(fn: FunctionVersionConfig, want: string | undefined, now: number): Pick {
    const ready = this.o.pods.ready(fn.name, fn.version);
    let retryAt = Number.POSITIVE_INFINITY;
    const healthy = ready.filter((p) => {
      const until = this.states.get(p.name)?.unhealthyUntil ?? 0;
      if (until > now) retryAt = Math.min(retryAt, until);
      return until <= now;
    });
    if (healthy.length === 0) return { kind: 'none', retryAt };
    const current = want === undefined ? healthy : healthy.filter((p) => p.codeSha256Hex === want);
    // Older code serves only while no pod runs the current code yet (a rollout in progress).
    const candidates = current.length > 0 ? current : healthy;
    let least = Number.POSITIVE_INFINITY;
    let free: WorkerPod[] = [];
    retryAt = Number.POSITIVE_INFINITY;
    for (const p of candidates) {
      const s = this.states.get(p.name);
      const inFlight = s?.inFlight ?? 0;
      if (s !== undefined && s.busyUntil > now) {
        retryAt = Math.min(retryAt, s.busyUntil);
        continue;
      }
      if (inFlight >= MAX_IN_FLIGHT_PER_POD) continue;
      if (inFlight < least) {
        least = inFlight;
        free = [p];
      } else if (inFlight === least) {
        free.push(p);
      }
    }
    if (free.length === 0) return { kind: 'busy', retryAt };
    // Specialised generic pods bridge cold starts: the version's own pods go first, so those idle.
    const own = free.filter((p) => p.specialized !== true);
    if (own.length > 0) free = own;
    const key = `${fn.name}\0${fn.version}`;
    const cursor = this.cursors.get(key) ?? 0;
    this.cursors.set(key, (cursor + 1) % 1_000_000);
    const pod = free[cursor % free.length];
    return pod === undefined ? { kind: 'busy', retryAt } : { kind: 'pod', pod };
  }

  private stateOf(pod: WorkerPod): PodState {
    let s = this.states.get(pod.name);
    if (s === undefined) {
      s = { functionName: pod.functionName, inFlight: 0, unhealthyUntil: 0, busyUntil: 0 };
      this.states.set(pod.name, s);
    }
    return s;
  }

  private async call(
    pod: WorkerPod,
    fn: FunctionVersionConfig,
    invocation: Invocation,
  ): Promise<InvocationResult | typeof RETRY> {
    const state = this.stateOf(pod);
    state.inFlight += 1;
    const now = this.now();
    const deadlineMs = invocation.deadlineMs ?? now + fn.timeout * 1000;
    try {
      const answer = await this.o.client.invoke({
        ip: pod.ip,
        port: pod.port ?? this.o.port,
        target: { functionName: fn.name, version: fn.version },
        invocation: { ...invocation, deadlineMs },
        timeoutMs: Math.max(deadlineMs - now, 0) + this.marginMs,
      });
      switch (answer.kind) {
        case 'result':
          return answer.result;
        case 'error':
          throw answer.error;
        case 'refused':
          this.o.metrics?.refusals.inc({ refusal: answer.refusal });
          if (answer.refusal === 'busy') {
            state.busyUntil = this.now() + this.busyRetryMs;
          } else {
            state.unhealthyUntil = this.now() + this.unhealthyMs;
            if (answer.refusal === 'wrong-target') {
              this.o.logger.warn(
                { pod: pod.name, function: fn.name, version: fn.version },
                'worker pod refused an invocation as not its function version; skipping it',
              );
            }
          }
          return RETRY;
      }
    } catch (err) {
      if (!(err instanceof AgentUnreachableError)) throw err;
      this.o.metrics?.unreachable.inc();
      state.unhealthyUntil = this.now() + this.unhealthyMs;
      this.o.logger.warn(
        { pod: pod.name, address: err.address, code: err.code, requestId: invocation.requestId },
        'worker pod unreachable; the invocation did not run, trying another pod',
      );
      return RETRY;
    } finally {
      state.inFlight -= 1;
      this.forgetIdle(pod.name, state);
      this.wake();
    }
  }

  /** Drops the state of a pod with nothing to remember, so departed pods leave no trace. */
  private forgetIdle(name: string, s: PodState): void {
    const now = this.now();
    if (s.inFlight === 0 && s.unhealthyUntil <= now && s.busyUntil <= now) {
      this.states.delete(name);
    }
    // Pods skipped once and never picked again (gone) would stay: sweep now and then.
    if (this.states.size > STATE_SWEEP_SIZE) {
      for (const [other, state] of this.states) {
        if (state.inFlight === 0 && state.unhealthyUntil <= now && state.busyUntil <= now) {
          this.states.delete(other);
        }
      }
    }
  }

  /** Resolves after a change (pods, a freed slot, close) or after `ms`. */
  private waitForChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(ms, 1));
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }
}
