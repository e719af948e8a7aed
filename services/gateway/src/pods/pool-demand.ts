/**
 * The gateway's side of autoscaling (ADR 0017) in cluster mode: ClusterPool tells it when a call
 * runs on a worker pod and when one waits for an environment (none ready: a cold call; all busy:
 * a burst); it counts both per function version in a `DemandTally`, which a `DemandReporter`
 * writes to the gateway's Redis every second, and publishes a `wake` the moment a call starts
 * waiting, so the operator's autoscaler raises the version's replicas at once (the activator
 * role: ClusterPool's bounded wait holds the call until a pod of its version is ready).
 *
 * Invariants: the releases it returns take effect once (the tally's own guarantee); a wake is
 * published only when a wait begins, never per retry; Redis failures never reach a caller (the
 * reporter's `onError` logs them and the next report rewrites the whole view).
 */
import {
  DemandReporter,
  DemandTally,
  type DemandTarget,
  type FunctionVersionConfig,
  type RedisCommand,
  demandKeys,
} from '@lamina/core';
import type { KubeLogger } from '@lamina/kube';
import type { Redis } from 'ioredis';

/** What ClusterPool reports; each call returns its release. */
export interface PoolDemand {
  /** A call runs on a pod of `fn`'s version until released. */
  run(fn: FunctionVersionConfig): () => void;
  /** A call waits for an environment of `fn`'s version until released. */
  wait(fn: FunctionVersionConfig): () => void;
}

export interface GatewayDemandOptions {
  readonly redis: Pick<Redis, 'multi' | 'publish'>;
  /** The Redis key prefix shared with the operator (`LAMINA_REDIS_PREFIX`). */
  readonly redisPrefix: string;
  /** The namespace of the functions this gateway serves: the demand target's namespace. */
  readonly namespace: string;
  /** Unique per process; no spaces or `/`. */
  readonly reporterId: string;
  readonly logger: KubeLogger;
  readonly intervalMs?: number;
}

/** Demand of this gateway process, counted per version and reported to Redis. */
export class GatewayDemand implements PoolDemand {
  readonly name = 'demand reporter';
  private readonly tally = new DemandTally();
  private readonly reporter: DemandReporter;
  private lastErrorLog = 0;

  constructor(private readonly o: GatewayDemandOptions) {
    this.reporter = new DemandReporter({
      tally: this.tally,
      keys: demandKeys(o.redisPrefix),
      reporterId: o.reporterId,
      send: (commands: RedisCommand[]) => o.redis.multi(commands.map((c) => [...c])).exec(),
      publish: (channel, message) => o.redis.publish(channel, message),
      ...(o.intervalMs === undefined ? {} : { intervalMs: o.intervalMs }),
      onError: (err) => {
        // At most one line a minute: Redis down is already loud elsewhere.
        const now = Date.now();
        if (now - this.lastErrorLog < 60_000) return;
        this.lastErrorLog = now;
        o.logger.warn({ err }, 'could not report scaling demand');
      },
    });
  }

  start(): void {
    this.reporter.start();
  }

  run(fn: FunctionVersionConfig): () => void {
    return this.tally.run(this.targetOf(fn));
  }

  wait(fn: FunctionVersionConfig): () => void {
    const target = this.targetOf(fn);
    const release = this.tally.wait(target);
    this.reporter.wake(target);
    return release;
  }

  /** Sends a last, empty report: this process' demand leaves with it. */
  stop(): Promise<void> {
    return this.reporter.stop();
  }

  private targetOf(fn: FunctionVersionConfig): DemandTarget {
    return { namespace: this.o.namespace, functionName: fn.name, version: fn.version };
  }
}
