/**
 * The dispatcher's side of autoscaling (ADR 0017): every report interval it counts the queued
 * async events it could start now, per function version, as `asyncDepth` in a `DemandTally`, and
 * sends that with core's `DemandReporter` (the same Redis layout the gateway writes). An event it
 * has started is not counted here: it is then a call at the gateway, counted there as running or
 * waiting for an environment.
 *
 * Invariants: at most `free()` events are counted: the workers that ran no event since the last
 * sample (a worker between two events is busy), so its running plus reported events never
 * exceed its concurrency; a version's count is the lower of its last two samples (what was
 * startable a moment ago may be running now and be counted by the gateway too); only ready
 * events count (waiting or prioritized, not delayed retries); the version is the event's
 * qualifier when it is `$LATEST` or a number, `$LATEST` when it has none, and an alias counts
 * nothing (it resolves only at the gateway, which counts the call once it arrives); a failed
 * read leaves the last counts (they expire with the report) and never throws; `stop()` sends an
 * empty report.
 */
import {
  type AsyncJobData,
  DemandReporter,
  DemandTally,
  type DemandTarget,
  type RedisCommand,
  demandKeys,
  encodeDemandTarget,
} from '@lamina/core';
import type { Redis } from 'ioredis';

/** The queued events' data, at most `limit` of them, oldest first (BullMQ in production). */
export type ReadyEvents = (
  limit: number,
) => Promise<readonly Pick<AsyncJobData, 'functionName' | 'qualifier'>[]>;

export interface AsyncDemandOptions {
  readonly ready: ReadyEvents;
  /** Workers of this process that ran no event since the last sample. */
  readonly free: () => number;
  /** The namespace of the functions (cluster mode): the demand target's namespace. */
  readonly namespace: string;
  readonly redisPrefix: string;
  readonly redis: Pick<Redis, 'multi' | 'publish'>;
  readonly reporterId: string;
  readonly intervalMs?: number;
  readonly onError?: (err: unknown) => void;
}

const VERSION = /^(\$LATEST|[1-9][0-9]*)$/;

export class AsyncDemand {
  readonly name = 'async demand';
  private readonly tally = new DemandTally();
  private readonly reporter: DemandReporter;
  private timer: NodeJS.Timeout | undefined;
  private counted = new Map<string, DemandTarget>();
  /** The previous sample's counts per version. */
  private previous = new Map<string, number>();
  private stopped = false;

  constructor(private readonly o: AsyncDemandOptions) {
    this.reporter = new DemandReporter({
      tally: this.tally,
      keys: demandKeys(o.redisPrefix),
      reporterId: o.reporterId,
      send: (commands: RedisCommand[]) => o.redis.multi(commands.map((c) => [...c])).exec(),
      publish: (channel, message) => o.redis.publish(channel, message),
      ...(o.onError === undefined ? {} : { onError: o.onError }),
    });
  }

  start(): void {
    this.arm();
  }

  /** One sample: reads the ready events, sets `asyncDepth` per version, and reports. */
  async sample(): Promise<void> {
    const free = Math.max(0, this.o.free());
    let events: Awaited<ReturnType<ReadyEvents>> = [];
    try {
      events = free === 0 ? [] : await this.o.ready(free);
    } catch (err) {
      this.o.onError?.(err);
      return;
    }
    const next = new Map<string, { target: DemandTarget; count: number }>();
    for (const e of events.slice(0, free)) {
      const target = this.targetOf(e);
      if (target === undefined) continue;
      const key = encodeDemandTarget(target);
      const entry = next.get(key) ?? { target, count: 0 };
      entry.count += 1;
      next.set(key, entry);
    }
    // Two samples in a row: a worker that just finished an event is free for a moment while
    // the gateway's report still counts that call; only what stays startable is demand.
    for (const [key, target] of this.counted) {
      if (!next.has(key)) this.tally.setQueued(target, 'asyncDepth', 0);
    }
    const previous = this.previous;
    this.counted = new Map();
    this.previous = new Map();
    for (const [key, { target, count }] of next) {
      this.previous.set(key, count);
      this.tally.setQueued(target, 'asyncDepth', Math.min(count, previous.get(key) ?? 0));
      this.counted.set(key, target);
    }
    await this.reporter.flush();
  }

  /** Idempotent: stops sampling and sends a last, empty report. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.reporter.stop();
  }

  private targetOf(e: Pick<AsyncJobData, 'functionName' | 'qualifier'>): DemandTarget | undefined {
    const version = e.qualifier ?? '$LATEST';
    if (!VERSION.test(version)) return undefined;
    try {
      const target = { namespace: this.o.namespace, functionName: e.functionName, version };
      encodeDemandTarget(target);
      return target;
    } catch {
      return undefined; // a name no Deployment can have: nothing to scale
    }
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.sample().finally(() => {
        this.arm();
      });
    }, this.o.intervalMs ?? 1000);
    this.timer.unref();
  }
}
