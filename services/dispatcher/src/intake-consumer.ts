/**
 * The dispatcher's reader of the async intake stream (ADR 0043): the gateway appends every
 * accepted event to one Redis stream; the dispatchers share it through one consumer group and
 * run each entry's first attempt. Retries leave the stream: a retry is a delayed BullMQ job
 * (`retryAt`), run by the AsyncDispatcher worker as before.
 *
 * Invariants:
 * - At least once, as the BullMQ path: an entry is acknowledged and deleted (XACK + XDEL) only
 *   after its attempt was processed (run, retry handed off, or given up and delivered); an entry
 *   whose processing threw stays pending and is picked up again.
 * - The lock is the pending entry's idle time: this consumer renews its running entries every
 *   half lock (XCLAIM JUSTID, only of entries it still owns); an entry idle for longer than the
 *   lock and one stalled interval (its dispatcher died or stalled) is claimed by the next
 *   stalled check of any consumer, and runs with `startedCount` = its deliveries, so run
 *   records (ADR 0026) take over from there.
 * - An entry delivered more than `maxStalledCount` + 1 times is not run again: it goes to the
 *   `undelivered` list, as does an event given up that no failure target took.
 * - At most `concurrency` events run at once in this process, counting `busy()` (the retry
 *   worker's); reads ask for no more entries than are free.
 * - `close` stops reading, waits for the running events up to its deadline and leaves the rest
 *   pending (their lock lapses and another dispatcher takes them). Idempotent.
 */
import { type AsyncJobData, type AsyncKeys, CallBatcher, decodeIntakeEntry } from '@lamina/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { EventNotDeliveredError, type EventProcessor } from './event-processor.js';

/** Redis as the consumer uses it: raw commands and pipelines (ioredis). */
export type IntakeRedis = Pick<Redis, 'call' | 'pipeline' | 'eval'>;

export interface IntakeConsumerOptions {
  /** Blocks in XREADGROUP: a connection of its own. */
  readonly blocking: Pick<Redis, 'call'>;
  /** Acks, claims, renewals. */
  readonly redis: IntakeRedis;
  readonly keys: Pick<AsyncKeys, 'intake' | 'intakeGroup' | 'undelivered'>;
  /** This consumer's name in the group: unique per process. */
  readonly consumer: string;
  readonly processor: Pick<EventProcessor, 'process'>;
  /** Hands a retry to the delayed queue (BullMQ): the event's new counters, due at `at`. */
  readonly retryAt: (data: AsyncJobData, at: number) => Promise<void>;
  readonly logger: Logger;
  readonly concurrency: number;
  /** Events this process runs elsewhere (the retry worker); they share `concurrency`. */
  readonly busy?: () => number;
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalledCount: number;
  /** How long one read waits for new entries (default 1000 ms). */
  readonly blockMs?: number;
  readonly now?: () => number;
}

/** One entry of XREADGROUP/XCLAIM's answer. */
type Entry = [id: string, fields: string[] | null];

/**
 * Entries of `XREADGROUP … STREAMS key >` for one stream: `[[key, entries]]` (RESP2), a flat
 * `[key, entries]` (a RESP3 map as ioredis hands it over), or null (nothing new).
 */
export function entriesOfRead(reply: unknown): Entry[] {
  if (!Array.isArray(reply)) return [];
  const pair: unknown = typeof reply[0] === 'string' ? reply : reply[0];
  if (!Array.isArray(pair) || !Array.isArray(pair[1])) return [];
  return pair[1] as Entry[];
}

/** XPENDING's extended answer: `[id, consumer, idle ms, deliveries]` per entry. */
export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

export function pendingOf(reply: unknown): PendingEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((r: unknown) =>
    Array.isArray(r) && r.length >= 4
      ? [
          {
            id: String(r[0]),
            consumer: String(r[1]),
            idleMs: Number(r[2]),
            deliveries: Number(r[3]),
          },
        ]
      : [],
  );
}

/** XINFO CONSUMERS' answer: name, pending entries and idle ms per consumer. */
export function consumersOf(
  reply: unknown,
): { readonly name: string; readonly pending: number; readonly idleMs: number }[] {
  if (!Array.isArray(reply)) return [];
  return reply.flatMap((c: unknown) => {
    if (!Array.isArray(c)) return [];
    const info = new Map<string, string>();
    for (let i = 0; i + 1 < c.length; i += 2) info.set(String(c[i]), String(c[i + 1]));
    const name = info.get('name');
    return name === undefined
      ? []
      : [{ name, pending: Number(info.get('pending')), idleMs: Number(info.get('idle')) }];
  });
}

/**
 * Resets the idle time of the entries this consumer still owns (KEYS[1] the stream, ARGV group,
 * consumer, ids…); returns the ids it renewed. One call per renewal tick, however many run.
 */
const RENEW = `
local owned = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] ~= nil and p[1][2] == ARGV[2] then owned[#owned + 1] = ARGV[i] end
end
if #owned > 0 then
  local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], '0'}
  for _, id in ipairs(owned) do args[#args + 1] = id end
  args[#args + 1] = 'JUSTID'
  redis.call(unpack(args))
end
return owned`;

export class IntakeConsumer {
  private readonly running = new Set<string>();
  /** Entries whose event is done and whose ack is on its way: still pending, no slot held. */
  private readonly acking = new Set<string>();
  private peakRunning = 0;
  private closing = false;
  private closed: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private stalledTimer: NodeJS.Timeout | undefined;
  private readonly acks: CallBatcher<string, undefined>;
  private readonly settled = new Set<Promise<void>>();
  private stalledChecks = 0;

  constructor(private readonly o: IntakeConsumerOptions) {
    // One ack batch on the wire at a time: the acks of the events that end meanwhile share the
    // next one (one write for many); a slot is free once its event is done (ADR 0053).
    this.acks = new CallBatcher({ send: (ids) => this.ackBatch(ids), maxInFlight: 1 });
  }

  /** Creates the group when missing (from the stream's start) and starts reading. */
  async start(): Promise<void> {
    await this.ensureGroup();
    this.loop = this.read();
    this.renewTimer = setInterval(
      () => {
        void this.renew();
      },
      Math.max(100, Math.floor(this.o.lockDurationMs / 2)),
    );
    this.renewTimer.unref();
    this.stalledTimer = setInterval(() => {
      void this.claimStalled();
    }, this.o.stalledIntervalMs);
    this.stalledTimer.unref();
  }

  /** The consumer group, from the stream's first entry; there already is fine. */
  private async ensureGroup(): Promise<void> {
    const { intake, intakeGroup } = this.o.keys;
    try {
      await this.o.redis.call('XGROUP', 'CREATE', intake, intakeGroup, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.includes('BUSYGROUP'))) throw err;
    }
  }

  /** Intake events this process runs now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** The most intake events that ran at once since the last call (at least those running now). */
  takePeakRunning(): number {
    const peak = Math.max(this.peakRunning, this.running.size);
    this.peakRunning = this.running.size;
    return peak;
  }

  /** Read through a call: `close` may set it while a read or claim awaits. */
  private stopping(): boolean {
    return this.closing;
  }

  private free(): number {
    return this.o.concurrency - this.running.size - (this.o.busy?.() ?? 0);
  }

  private async read(): Promise<void> {
    const { intake, intakeGroup } = this.o.keys;
    while (!this.closing) {
      const free = this.free();
      if (free <= 0) {
        await this.slotFreed(this.o.blockMs ?? 1000);
        continue;
      }
      let reply: unknown;
      try {
        reply = await this.o.blocking.call(
          'XREADGROUP',
          'GROUP',
          intakeGroup,
          this.o.consumer,
          'COUNT',
          free,
          'BLOCK',
          this.o.blockMs ?? 1000,
          'STREAMS',
          intake,
          '>',
        );
      } catch (err) {
        if (this.stopping()) return;
        this.o.logger.error({ err }, 'could not read the async intake');
        await this.slotFreed(1000);
        // The stream was deleted under us (its group with it): start it again.
        if (err instanceof Error && err.message.includes('NOGROUP')) {
          await this.ensureGroup().catch(() => undefined);
        }
        continue;
      }
      for (const [id, fields] of entriesOfRead(reply)) this.begin(id, fields, 1);
    }
  }

  /** Resolves when a running event ends, or after `ms`. */
  private slotFreed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private begin(id: string, fields: string[] | null, startedCount: number): void {
    if (this.running.has(id) || this.acking.has(id)) return;
    this.running.add(id);
    this.peakRunning = Math.max(this.peakRunning, this.running.size);
    const p = this.runEntry(id, fields, startedCount)
      .catch((err: unknown) => {
        // Redis refused the ack or the undelivered record: the entry stays pending.
        this.o.logger.warn({ err, id }, 'could not settle an async intake entry');
      })
      .finally(() => {
        this.release(id);
        this.acking.delete(id);
        this.settled.delete(p);
      });
    this.settled.add(p);
  }

  /** The event is done (its ack may still be on the wire): its slot is free for the next read. */
  private release(id: string): void {
    if (!this.running.delete(id)) return;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Acks the entry once its event is done; the slot is freed first, the lock kept until then. */
  private async ack(id: string): Promise<void> {
    this.acking.add(id);
    this.release(id);
    await this.acks.call(id);
  }

  private async runEntry(id: string, fields: string[] | null, startedCount: number) {
    const data = fields === null ? undefined : decodeIntakeEntry(fields);
    if (data === undefined) {
      // Deleted meanwhile, or not an event: nothing to run; an unreadable one is kept.
      if (fields !== null) await this.undeliverable(id, fields, 'not an async event');
      else await this.ack(id);
      return;
    }
    try {
      await this.o.processor.process({
        data,
        startedCount,
        // The retry's job counts its own pickups; this stream's go along with the event.
        retryAt: (next, at) =>
          this.o.retryAt(
            { ...next, earlierPickups: (next.earlierPickups ?? 0) + startedCount },
            at,
          ),
      });
    } catch (err) {
      if (!(err instanceof EventNotDeliveredError)) {
        // Left pending: its lock lapses and a stalled check runs it again.
        this.o.logger.error(
          { err, requestId: data.requestId, function: data.functionName },
          'async event failed; it runs again after its lock',
        );
        return;
      }
      await this.undeliverable(id, fields ?? [], err.message);
      return;
    }
    await this.ack(id);
  }

  /** Keeps the entry for an operator (newest first, the last 10,000), then acks it. */
  private async undeliverable(id: string, fields: readonly string[], reason: string) {
    const record = JSON.stringify({
      id,
      reason,
      failedAt: (this.o.now ?? Date.now)(),
      fields,
    });
    const p = this.o.redis.pipeline();
    p.call('LPUSH', this.o.keys.undelivered, record);
    p.call('LTRIM', this.o.keys.undelivered, 0, 9999);
    const err = ((await p.exec()) ?? []).find(([e]) => e !== null)?.[0];
    if (err !== undefined && err !== null) throw err;
    this.o.logger.error({ id, reason }, 'async event left in the undelivered list');
    await this.ack(id);
  }

  private async ackBatch(ids: readonly string[]): Promise<undefined[]> {
    const { intake, intakeGroup } = this.o.keys;
    const p = this.o.redis.pipeline();
    p.call('XACK', intake, intakeGroup, ...ids);
    p.call('XDEL', intake, ...ids);
    const results = (await p.exec()) ?? [];
    const err = results.find(([e]) => e !== null)?.[0];
    if (err !== undefined && err !== null) throw err;
    return ids.map(() => undefined);
  }

  /** Keeps the running entries' locks: resets their idle time while this consumer owns them. */
  private async renew(): Promise<void> {
    if (this.running.size === 0 && this.acking.size === 0) return;
    const { intake, intakeGroup } = this.o.keys;
    try {
      const held = [...this.running, ...this.acking];
      await this.o.redis.eval(RENEW, 1, intake, intakeGroup, this.o.consumer, ...held);
    } catch (err) {
      this.o.logger.warn({ err }, 'could not renew the locks of running async events');
    }
  }

  /**
   * Forgets the consumers of dead dispatchers (every restart joins under a new name): those
   * holding no entry and silent for ten locks, at least a minute. A live one that is forgotten
   * joins again with its next read.
   */
  private async forgetDeadConsumers(): Promise<void> {
    const { intake, intakeGroup } = this.o.keys;
    const silentMs = Math.max(60_000, 10 * this.o.lockDurationMs);
    const reply = await this.o.redis.call('XINFO', 'CONSUMERS', intake, intakeGroup);
    const dead = consumersOf(reply).filter(
      (c) => c.pending === 0 && c.idleMs > silentMs && c.name !== this.o.consumer,
    );
    if (dead.length === 0) return;
    const p = this.o.redis.pipeline();
    for (const c of dead) p.call('XGROUP', 'DELCONSUMER', intake, intakeGroup, c.name);
    await p.exec();
  }

  /** Takes entries whose consumer held them longer than the lock without renewing. */
  private async claimStalled(): Promise<void> {
    if (this.closing) return;
    if (++this.stalledChecks % 20 === 0) {
      await this.forgetDeadConsumers().catch((err: unknown) => {
        this.o.logger.warn({ err }, 'could not forget the consumers of dead dispatchers');
      });
    }
    const free = this.free();
    if (free <= 0) return;
    const { intake, intakeGroup } = this.o.keys;
    // As BullMQ's stalled check (mark, then move on the next pass): a lock and one interval,
    // so an attempt still finishing in the gateway has more time to leave its run record.
    const lock = this.o.lockDurationMs + this.o.stalledIntervalMs;
    try {
      const pending = pendingOf(
        await this.o.redis.call('XPENDING', intake, intakeGroup, 'IDLE', lock, '-', '+', free),
      ).filter((p) => !this.running.has(p.id) && !this.acking.has(p.id));
      if (pending.length === 0) return;
      const deliveries = new Map(pending.map((p) => [p.id, p.deliveries]));
      const claimed = entriesOfRead([
        [
          intake,
          await this.o.redis.call(
            'XCLAIM',
            intake,
            intakeGroup,
            this.o.consumer,
            lock,
            ...pending.map((p) => p.id),
          ),
        ],
      ]);
      for (const [id, fields] of claimed) {
        if (this.stopping()) break;
        const startedCount = (deliveries.get(id) ?? 1) + 1;
        if (startedCount > this.o.maxStalledCount + 1 && fields !== null) {
          this.running.add(id);
          void this.undeliverable(id, fields, 'stalled more times than allowed')
            .catch((err: unknown) => {
              this.o.logger.warn({ err, id }, 'could not settle an async intake entry');
            })
            .finally(() => {
              this.running.delete(id);
              this.acking.delete(id);
            });
          continue;
        }
        this.begin(id, fields, startedCount);
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'could not claim stalled async events');
    }
  }

  /**
   * SIGTERM: stops reading and claiming, waits for the running events up to `deadlineMs`; the
   * rest stays pending for another dispatcher. Idempotent.
   */
  close(deadlineMs = 25_000): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      clearInterval(this.stalledTimer);
      this.wake?.();
      await this.loop;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => {
          resolve('late');
        }, deadlineMs);
      });
      const outcome = await Promise.race([Promise.all([...this.settled]), deadline]);
      clearTimeout(timer);
      clearInterval(this.renewTimer);
      if (outcome === 'late') {
        this.o.logger.warn('running async intake events handed back at the shutdown deadline');
      }
    })();
    return this.closed;
  }
}
