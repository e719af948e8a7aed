/**
 * The cluster warm pool's gateway side (issue #15 item 3, ADR 0019): a cold call whose version
 * has no ready pod claims a pre-warmed generic pod of its runtime, specialises it (the agent
 * fetches the version's code by SHA-256 with the per-code token this gateway gives it), relabels
 * it as that version's pod (it leaves the generic Deployment, whose ReplicaSet makes a
 * replacement: the pool refills itself) and hands it to the call.
 *
 * Invariants:
 * - The claim is atomic in the agent (it takes one specialise request in its life); a pod that
 *   answers `claimed` was taken by another gateway replica, and the next one is tried.
 * - A pod is tried at most once a minute per gateway (`tried`), so concurrent cold calls of one
 *   gateway never race each other for the same pod (a claimed pod leaves the generic index; one
 *   whose specialisation failed is generic again and may be tried after that minute).
 * - Only zip functions with all their variables known here are specialised: variables from
 *   Secrets (`valueFrom`) are not in the gateway's view, so such versions wait for their own pods.
 * - The relabelling is the gateway's (it has the pod API; the pods have no API token): labels
 *   and annotations name the version, `pool=specialized`, and the container's restart count.
 *   It waits until the claiming call has its answer (`firstCallEnded`), at most `relabelAfterMs`:
 *   relabelling takes the pod out of the generic Deployment, whose replacement pod (API server,
 *   controller, scheduler, kubelet, a container start) and the patch itself would otherwise take
 *   CPU from the cold call on a small node. Until then the pod is still labelled generic; it
 *   cannot be taken twice (its agent answers `claimed`, and this gateway does not ask it again).
 */
import {
  LIMITS,
  loggingMembers,
  SPECIALIZATION_REFUSAL_STATUS,
  type FunctionVersionConfig,
} from '@lamina/core';
import type { KubeLogger } from '@lamina/kube';

import type { GenericPod } from './generic-pods.js';
import type { SpecializeClient } from './specialize-client.js';
import type { WorkerPod } from './worker-pods.js';

/** What a specialised pod is relabelled as. */
export interface Specialized {
  readonly pod: GenericPod;
  readonly functionName: string;
  readonly version: string;
  readonly codeSha256Hex: string;
}

/** The pod API's part of the claim: relabel a specialised pod, delete one (faked in unit tests). */
export interface PodLabeler {
  relabel(s: Specialized): Promise<void>;
  remove(name: string): Promise<void>;
}

/** How one claim ended (metrics). */
export type ClaimOutcome = 'hit' | 'miss' | 'failed';

export interface WarmPoolOptions {
  /** Ready generic pods per runtime (the pod watch). */
  readonly generics: { ready(runtime: string): readonly GenericPod[] };
  readonly client: SpecializeClient;
  readonly labeler: PodLabeler;
  /** Names of the ready specialised pods of a function (one version, or all when absent). */
  readonly specialized: { specializedOf(functionName: string, version?: string): string[] };
  /** The code route's token of a code hash; undefined: the route needs none. */
  readonly codeToken: (sha256Hex: string) => string | undefined;
  /** False for versions this gateway cannot specialise (e.g. variables from Secrets). */
  readonly specializable?: (fn: FunctionVersionConfig) => boolean;
  /** The agent's port on a pod whose spec does not name one. */
  readonly port: number;
  /** Bound on one specialise call (the code download included). */
  readonly timeoutMs?: number;
  readonly logger: KubeLogger;
  readonly now?: () => number;
  /** Counts each claim's outcome; absent: not counted. */
  readonly onClaim?: (outcome: ClaimOutcome, runtime: string) => void;
  /** The relabelling waits for the claiming call's answer at most this long; default 1,000 ms. */
  readonly relabelAfterMs?: number;
}

const base64ToHex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');
/** Pods asked per claim before giving up (each failure is another pod's). */
const MAX_TRIES = 3;
const RETRY_AFTER_MS = 60_000;

/** See the file comment. */
export class WarmPool {
  private readonly o: WarmPoolOptions;
  /** Pod name → until when it is not tried again. */
  private readonly tried = new Map<string, number>();
  /** Specialised pods whose relabelling waits for their first call's answer, by name. */
  private readonly pending = new Map<string, { s: Specialized; timer: NodeJS.Timeout }>();
  private readonly now: () => number;

  constructor(o: WarmPoolOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  /**
   * A pod specialised for `fn`, or undefined when none could be (no generic pod of its runtime,
   * all taken, or the version is not specialisable): the call then waits for its own pods.
   */
  /**
   * A changed `$LATEST` or a deleted function: its specialised pods run code or configuration
   * that is gone, and no Deployment will replace them, so they are deleted (each finishes a
   * running call first, as on any SIGTERM).
   */
  async evict(functionName: string, version?: string): Promise<void> {
    const names = this.o.specialized.specializedOf(functionName, version);
    await Promise.all(names.map((name) => this.o.labeler.remove(name)));
  }

  async claim(fn: FunctionVersionConfig): Promise<WorkerPod | undefined> {
    if (fn.codeSha256 === '' || !(this.o.specializable?.(fn) ?? true)) return undefined;
    // A generic pod's /tmp is a tmpfs of the default size (the operator's pool-deployment.ts).
    if (fn.ephemeralStorage > LIMITS.ephemeralStorageMinMb) return undefined;
    const hex = base64ToHex(fn.codeSha256);
    const pods = this.o.generics
      .ready(fn.runtime)
      .filter((p) => p.memoryMb === undefined || p.memoryMb >= fn.memorySize);
    const now = this.now();
    this.forgetExpired(now);
    let tries = 0;
    for (const pod of pods) {
      if (this.tried.has(pod.name)) continue;
      if (tries++ >= MAX_TRIES) break;
      this.tried.set(pod.name, now + RETRY_AFTER_MS);
      const got = await this.specialize(pod, fn, hex);
      if (got === 'failed') {
        this.o.onClaim?.('failed', fn.runtime);
        return undefined;
      }
      if (got !== undefined) {
        this.o.onClaim?.('hit', fn.runtime);
        return got;
      }
    }
    this.o.onClaim?.('miss', fn.runtime);
    return undefined;
  }

  private async specialize(
    pod: GenericPod,
    fn: FunctionVersionConfig,
    hex: string,
  ): Promise<WorkerPod | 'failed' | undefined> {
    const log = { pod: pod.name, function: fn.name, version: fn.version };
    const token = this.o.codeToken(hex);
    const started = performance.now();
    const answer = await this.o.client.specialize({
      ip: pod.ip,
      port: pod.port ?? this.o.port,
      timeoutMs: this.o.timeoutMs ?? 30_000,
      request: {
        functionName: fn.name,
        version: fn.version,
        runtime: fn.runtime,
        handler: fn.handler,
        memorySizeMb: fn.memorySize,
        timeoutSeconds: fn.timeout,
        ephemeralStorageMb: fn.ephemeralStorage,
        environment: fn.environment,
        codeSha256Hex: hex,
        ...(token === undefined ? {} : { codeToken: token }),
        ...(fn.logging === undefined ? {} : { loggingConfig: loggingMembers(fn.logging) }),
      },
    });
    if (answer.kind === 'unreachable') {
      this.o.logger.warn(
        { ...log, reason: answer.message },
        'generic pod unreachable; trying another',
      );
      return undefined;
    }
    if (answer.status === SPECIALIZATION_REFUSAL_STATUS.claimed) {
      this.o.logger.info(log, 'generic pod already claimed; trying another');
      return undefined;
    }
    if (answer.status !== 200) {
      // The agent is generic again; the same code would fail on every pod: stop here.
      this.o.logger.error(
        { ...log, status: answer.status, reason: answer.message },
        'specialising a generic pod failed; the call waits for its own pods',
      );
      return 'failed';
    }
    const specialized = { pod, functionName: fn.name, version: fn.version, codeSha256Hex: hex };
    // After the call's answer (see the file comment); the call never waits for the API server.
    const timer = setTimeout(() => {
      this.firstCallEnded(pod.name);
    }, this.o.relabelAfterMs ?? 1000);
    timer.unref();
    this.pending.set(pod.name, { s: specialized, timer });
    this.o.logger.info(
      { ...log, specializeMs: Math.round(performance.now() - started) },
      'cold call served by a specialised generic pod',
    );
    return {
      name: pod.name,
      ip: pod.ip,
      port: pod.port,
      functionName: fn.name,
      version: fn.version,
      codeSha256Hex: hex,
      specialized: true,
    };
  }

  /**
   * The claiming call on `podName` has its answer (or gave up): relabel the pod now, if its
   * relabelling still waits. Not awaited by anyone; a failure leaves the pod in the generic
   * Deployment until it expires.
   */
  firstCallEnded(podName: string): void {
    const waiting = this.pending.get(podName);
    if (waiting === undefined) return;
    this.pending.delete(podName);
    clearTimeout(waiting.timer);
    const { s } = waiting;
    this.o.labeler.relabel(s).catch((err: unknown) => {
      this.o.logger.error(
        { pod: s.pod.name, function: s.functionName, version: s.version, err },
        'relabelling a specialised pod failed',
      );
    });
  }

  private forgetExpired(now: number): void {
    for (const [name, until] of this.tried) if (until <= now) this.tried.delete(name);
  }
}
