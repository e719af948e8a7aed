import type { ArnContext, Schedule, ScheduleKeys, ScheduleStatus } from '@lamina/core';
import {
  type KubeLogger,
  PLURALS,
  type RestartingInformer,
  type ScheduleResource,
} from '@lamina/kube';

import { type ClusterWriter, isNotFound } from '../kube/cluster-writer.js';
import { MirrorLoop, parseJson } from '../kube/mirror-loop.js';
import type { MirrorRedis } from '../mappings/mapping-mirror.js';
import { planScheduleMirror } from './schedule-plan.js';

export interface ScheduleMirrorOptions {
  /** Informer on `schedules`; the mirror starts and stops it. */
  readonly informer: RestartingInformer<ScheduleResource>;
  readonly redis: MirrorRedis;
  readonly keys: ScheduleKeys;
  readonly writer: Pick<ClusterWriter, 'patchStatus'>;
  readonly arnContext: ArnContext;
  /** How often next and last run are refreshed in status (resource changes go at once). */
  readonly intervalMs: number;
  readonly logger: KubeLogger;
  readonly now?: () => number;
  readonly syncTimeoutMs?: number;
}

/**
 * Cluster mode: `Schedule` resources are a second front door to the schedules the runners read
 * from Redis (core's `scheduleKeys`), next to the Scheduler API. The leading operator mirrors
 * them into that store (on every resource event, and every interval), removes the mirrored
 * schedules that lost their resource, and writes next and last run into each resource's status
 * (kubectl's NEXT and LAST columns).
 *
 * Invariants: nothing is written before the informer has synced (an empty cache would delete
 * every mirrored schedule); one sync runs at a time, and a request during one runs another after
 * it; only schedules marked `origin: resource` are ever deleted.
 */
export class ScheduleMirror {
  readonly name = 'schedule mirror';
  private readonly loop: MirrorLoop<ScheduleResource>;

  constructor(private readonly o: ScheduleMirrorOptions) {
    this.loop = new MirrorLoop({
      informer: o.informer,
      sync: () => this.sync(),
      intervalMs: o.intervalMs,
      ...(o.syncTimeoutMs === undefined ? {} : { syncTimeoutMs: o.syncTimeoutMs }),
      logger: o.logger,
      what: 'schedule mirror',
    });
  }

  /** Starts the informer, waits for its cache, mirrors once, then keeps mirroring. */
  start(): Promise<void> {
    return this.loop.start();
  }

  /** Asks for a sync: now if idle, else right after the one running. */
  kick(): void {
    this.loop.kick();
  }

  private async sync(): Promise<void> {
    const { redis, keys, logger } = this.o;
    const [stored, reports] = await Promise.all([
      redis.hgetall(keys.schedules),
      redis.hgetall(keys.status),
    ]);
    const plan = planScheduleMirror({
      resources: this.o.informer.list(),
      stored: new Map(
        Object.entries(stored).map(([id, t]) => [id, parseJson(t) as Schedule | undefined]),
      ),
      reports: new Map(
        Object.entries(reports)
          .map(([id, t]) => [id, parseJson(t) as ScheduleStatus | undefined] as const)
          .filter((e): e is readonly [string, ScheduleStatus] => e[1] !== undefined),
      ),
      ctx: this.o.arnContext,
      nowMs: (this.o.now ?? Date.now)(),
    });
    for (const s of plan.puts) {
      const id = `${s.groupName}/${s.name}`;
      await redis.hset(keys.schedules, id, JSON.stringify(s));
      logger.info({ schedule: id }, 'schedule mirrored for the runners');
    }
    for (const id of plan.deletes) {
      await redis.hdel(keys.schedules, id);
      await redis.hdel(keys.status, id);
      logger.info({ schedule: id }, 'schedule without a resource removed');
    }
    for (const p of plan.statuses) {
      try {
        await this.o.writer.patchStatus(PLURALS.Schedule, p.namespace, p.name, p.status);
      } catch (err) {
        // Deleted meanwhile: the next sync removes its schedule.
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Idempotent: stops the timer, waits for the sync in flight, stops the informer. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
