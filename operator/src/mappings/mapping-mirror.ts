import type { EsmKeys, EventSourceMapping, MappingStatus } from '@lamina/core';
import {
  type EventSourceMappingResource,
  type KubeLogger,
  PLURALS,
  type RestartingInformer,
} from '@lamina/kube';

import { type ClusterWriter, isNotFound } from '../kube/cluster-writer.js';
import { MirrorLoop, parseJson } from '../kube/mirror-loop.js';
import { planMirror } from './mirror-plan.js';

/** The Redis commands the mirror uses (ioredis' signatures). */
export interface MirrorRedis {
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, field: string, value: string): Promise<number>;
  hdel(key: string, ...fields: string[]): Promise<number>;
}

export interface MappingMirrorOptions {
  /** Informer on `eventsourcemappings`; the mirror starts and stops it. */
  readonly informer: RestartingInformer<EventSourceMappingResource>;
  readonly redis: MirrorRedis;
  readonly keys: EsmKeys;
  readonly writer: Pick<ClusterWriter, 'patchStatus'>;
  /** How often the pollers' reports are copied into status (resource changes go at once). */
  readonly intervalMs: number;
  readonly logger: KubeLogger;
  readonly now?: () => number;
  readonly syncTimeoutMs?: number;
}

/**
 * Cluster mode: `EventSourceMapping` resources are the source of truth for the pollers, which
 * read only the Redis mapping store (core's `esmKeys`), so they stay the same in both modes. The
 * leading operator mirrors the resources into that store (on every resource event, and every
 * interval), removes what has no resource, and writes the pollers' reports (State,
 * LastProcessingResult) back into each resource's status.
 *
 * Invariants: nothing is written before the informer has synced (an empty cache would delete
 * every mapping); one sync runs at a time, and a request during one runs another after it;
 * in cluster mode nothing but this mirror writes the mapping hash of its prefix.
 */
export class MappingMirror {
  readonly name = 'event source mapping mirror';
  private readonly loop: MirrorLoop<EventSourceMappingResource>;

  constructor(private readonly o: MappingMirrorOptions) {
    this.loop = new MirrorLoop({
      informer: o.informer,
      sync: () => this.sync(),
      intervalMs: o.intervalMs,
      ...(o.syncTimeoutMs === undefined ? {} : { syncTimeoutMs: o.syncTimeoutMs }),
      logger: o.logger,
      what: 'event source mapping mirror',
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
    const [mappings, reports] = await Promise.all([
      redis.hgetall(keys.mappings),
      redis.hgetall(keys.status),
    ]);
    const plan = planMirror({
      resources: this.o.informer.list(),
      mirrored: new Map(
        Object.entries(mappings).map(([uuid, t]) => [
          uuid,
          parseJson(t) as EventSourceMapping | undefined,
        ]),
      ),
      reports: new Map(
        Object.entries(reports)
          .map(([uuid, t]) => [uuid, parseJson(t) as MappingStatus | undefined] as const)
          .filter((e): e is readonly [string, MappingStatus] => e[1] !== undefined),
      ),
      nowMs: (this.o.now ?? Date.now)(),
    });
    for (const m of plan.puts) {
      await redis.hset(keys.mappings, m.uuid, JSON.stringify(m));
      logger.info(
        { mapping: m.uuid, function: m.functionName },
        'mapping mirrored for the pollers',
      );
    }
    for (const uuid of plan.deletes) {
      await redis.hdel(keys.mappings, uuid);
      await redis.hdel(keys.status, uuid);
      logger.info({ mapping: uuid }, 'mapping without a resource removed');
    }
    for (const p of plan.statuses) {
      try {
        await this.o.writer.patchStatus(PLURALS.EventSourceMapping, p.namespace, p.name, p.status);
      } catch (err) {
        // Deleted meanwhile: the next sync removes its mapping.
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Idempotent: stops the timer, waits for the sync in flight, stops the informer. */
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
