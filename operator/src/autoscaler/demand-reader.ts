/**
 * Reads the demand the gateways, dispatcher and poller report (core's `demandKeys`, ADR 0017):
 * every live reporter's counts summed per version, with the version's last-active time. One
 * pipelined round trip per read plus one per 100 reporters; nothing on the invoke path.
 *
 * Invariants: a reporter whose hash expired counts nothing (Redis' clock, not ours); malformed
 * entries (a newer layout, garbage) are skipped, never fatal; housekeeping only removes what can
 * no longer matter: reporters silent for `forgetReportersMs`, `active` entries older than
 * `forgetActiveMs` (which must exceed every idle window).
 */
import {
  addDemand,
  decodeDemandCounts,
  decodeDemandTarget,
  type DemandCounts,
  type DemandKeys,
  type DemandTarget,
  NO_DEMAND,
} from '@lamina/core';
import type { Redis } from 'ioredis';

/** One version's demand, summed over reporters. */
export interface VersionDemand {
  readonly target: DemandTarget;
  readonly counts: DemandCounts;
  /** Last time any reporter saw demand for it (epoch ms); undefined if never. */
  readonly lastActiveMs: number | undefined;
}

/** Demand per encoded target (`namespace/function/version`). */
export type DemandSnapshot = ReadonlyMap<string, VersionDemand>;

/** What the autoscaler loop reads; a fake map in unit tests. */
export interface DemandSource {
  read(): Promise<DemandSnapshot>;
}

export interface RedisDemandReaderOptions {
  readonly redis: Redis;
  readonly keys: DemandKeys;
  readonly now?: () => number;
  readonly forgetReportersMs?: number;
  readonly forgetActiveMs?: number;
}

const BATCH = 100;

export class RedisDemandReader implements DemandSource {
  private readonly now: () => number;
  private readonly forgetReportersMs: number;
  private readonly forgetActiveMs: number;

  constructor(private readonly o: RedisDemandReaderOptions) {
    this.now = o.now ?? Date.now;
    this.forgetReportersMs = o.forgetReportersMs ?? 60_000;
    this.forgetActiveMs = o.forgetActiveMs ?? 7 * 86_400_000;
  }

  async read(): Promise<DemandSnapshot> {
    const { redis, keys } = this.o;
    const now = this.now();
    const head = await redis
      .multi()
      .zremrangebyscore(keys.reporters, '-inf', now - this.forgetReportersMs)
      .zremrangebyscore(keys.active, '-inf', now - this.forgetActiveMs)
      .zrange(keys.reporters, 0, '-1')
      .zrange(keys.active, 0, '-1', 'WITHSCORES')
      .exec();
    const reporters = stringsOf(head?.[2]);
    const active = stringsOf(head?.[3]);

    const out = new Map<string, VersionDemand>();
    const entry = (encoded: string): VersionDemand | undefined => {
      const known = out.get(encoded);
      if (known !== undefined) return known;
      const target = decodeDemandTarget(encoded);
      if (target === undefined) return undefined;
      const fresh = { target, counts: NO_DEMAND, lastActiveMs: undefined };
      out.set(encoded, fresh);
      return fresh;
    };
    for (let i = 0; i + 1 < active.length; i += 2) {
      const e = entry(active[i] ?? '');
      const at = Number(active[i + 1]);
      if (e !== undefined && Number.isFinite(at))
        out.set(active[i] ?? '', { ...e, lastActiveMs: at });
    }
    for (let i = 0; i < reporters.length; i += BATCH) {
      const batch = reporters.slice(i, i + BATCH);
      const pipeline = redis.pipeline();
      for (const id of batch) pipeline.hgetall(keys.reporter(id));
      const hashes = (await pipeline.exec()) ?? [];
      for (const [err, value] of hashes) {
        if (err !== null || value === null || typeof value !== 'object') continue;
        for (const [encoded, text] of Object.entries(value as Record<string, string>)) {
          const counts = decodeDemandCounts(text);
          const e = counts === undefined ? undefined : entry(encoded);
          if (e !== undefined && counts !== undefined) {
            out.set(encoded, { ...e, counts: addDemand(e.counts, counts) });
          }
        }
      }
    }
    return out;
  }
}

function stringsOf(result: [Error | null, unknown] | undefined): string[] {
  if (result === undefined) throw new Error('demand read: no reply from Redis');
  const [err, value] = result;
  if (err !== null) throw err;
  // RESP3 may pair WITHSCORES replies ([[member, score], ...]); flatten to RESP2's shape.
  return Array.isArray(value) ? value.flat().map(String) : [];
}
