/**
 * The scheduler runner: every `intervalMs` it reads the schedules from Redis, asks core's
 * `dueFirings` which ticks of each enabled schedule are due (at the tick, or at its
 * deterministic offset in a FLEXIBLE time window), and enqueues that tick as an async
 * invocation through the gateway's Invoke API (so the function's retries, DLQ and destinations
 * apply). Any number of runners (dispatcher replicas, `lamina dev`) may run against one Redis.
 *
 * Invariants (ADR 0022): a tick is enqueued by the one runner whose `SET claim NX PX` succeeds,
 * so at most once across runners; the enqueue carries the tick's deterministic request id, so a
 * retried enqueue after a lost 202 is absorbed by the queue; only ticks within `graceMs` of now
 * and after the schedule's last change are due, so a restart never replays a burst; delivery
 * retries follow the schedule's RetryPolicy (a refusal such as a missing function is not
 * retried) and stop at `stop()`; an undelivered tick goes to the schedule's DeadLetterConfig
 * queue with Scheduler's attributes, or is logged when there is none; a one-time (or finished)
 * schedule with ActionAfterCompletion DELETE is deleted after its last tick.
 */
import {
  type ArnContext,
  byFiring,
  dueFirings,
  type Firing,
  nextRun,
  parseFunctionRef,
  type Schedule,
  scheduleArn,
  scheduledEvent,
  scheduleId,
  type ScheduleKeys,
  tickRequestId,
  backoffDelay,
} from '@lamina/core';
import { EventInvokeRefused } from '@lamina/service-kit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import type {
  ExhaustedRetryCondition,
  ScheduleDeadLetters,
  TickDeadLetter,
} from './schedule-dead-letter.js';
import type { ScheduleMetrics } from './schedule-metrics.js';

export interface TickSender {
  invokeEvent(
    functionRef: string,
    body: string,
    requestId: string,
    sourceArn?: string,
  ): Promise<void>;
}

export interface ScheduleRunnerOptions {
  readonly redis: Pick<Redis, 'hgetall' | 'hset' | 'hdel' | 'set'>;
  readonly keys: ScheduleKeys;
  readonly sender: TickSender;
  readonly arnContext: ArnContext;
  readonly metrics: ScheduleMetrics;
  readonly logger: Logger;
  readonly now: () => number;
  /** How often the schedules are read. */
  readonly intervalMs: number;
  /** How late a tick may still be fired (after a restart, a slow pass). */
  readonly graceMs: number;
  /** First delivery retry delay; doubles up to a minute. */
  readonly retryBaseMs?: number;
  /** Where undelivered ticks of schedules with a DeadLetterConfig go. */
  readonly deadLetters?: ScheduleDeadLetters;
  /** This runner's name in the claims (for debugging). */
  readonly owner: string;
}

const parse = (text: string): Schedule | undefined => {
  try {
    return JSON.parse(text) as Schedule;
  } catch {
    return undefined;
  }
};

export class ScheduleRunner {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pass: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly wakers = new Set<() => void>();
  /** The last firing this runner handled (claimed or lost) per schedule: no claim per pass. */
  private readonly handled = new Map<string, Firing>();

  constructor(private readonly o: ScheduleRunnerOptions) {}

  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.pass = this.runOnce()
        .catch((err: unknown) => {
          this.o.logger.warn({ err }, 'schedule pass failed');
        })
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.o.intervalMs);
        });
    };
    loop();
  }

  /** One pass: fire every due, unclaimed tick; resolves once the claims are taken. */
  async runOnce(): Promise<void> {
    const now = this.o.now();
    const all = await this.o.redis.hgetall(this.o.keys.schedules);
    for (const [id, text] of Object.entries(all)) {
      const s = parse(text);
      if (s?.state !== 'ENABLED' || this.stopped) continue;
      let due: Firing[];
      try {
        due = dueFirings(s, now, this.o.graceMs, s.lastModificationDate);
      } catch (err) {
        this.o.logger.warn({ err, schedule: id }, 'schedule expression does not parse');
        continue;
      }
      for (const f of due) {
        const last = this.handled.get(id);
        if (last !== undefined && byFiring(f, last) <= 0) continue;
        // A failed SET throws out of the pass: the next pass tries this tick again.
        const claimed = await this.o.redis.set(
          this.o.keys.claim(id, f.tick),
          this.o.owner,
          'PX',
          this.o.graceMs + 300_000,
          'NX',
        );
        this.handled.set(id, f);
        if (claimed !== 'OK') continue;
        const p = this.fire(id, s, f, now).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }
    }
  }

  private async fire(id: string, s: Schedule, f: Firing, claimedAt: number): Promise<void> {
    const { arnContext, metrics, logger } = this.o;
    const { tick, fireAt } = f;
    const arn = scheduleArn(arnContext, s.groupName, s.name);
    const requestId = tickRequestId(arn, tick);
    const body = s.target.input ?? JSON.stringify(scheduledEvent(s, tick, requestId, arnContext));
    const fn = parseFunctionRef(s.target.arn).name;
    const policy = s.target.retryPolicy;
    const deadline = fireAt + policy.maximumEventAgeInSeconds * 1000;
    let delivered = false;
    let error: unknown;
    let retries = 0;
    let exhausted: ExhaustedRetryCondition | undefined;
    for (let attempt = 0; !this.stopped; attempt += 1) {
      try {
        // The schedule is the event source (aws:SourceArn of the function's resource policy).
        await this.o.sender.invokeEvent(s.target.arn, body, requestId, arn);
        delivered = true;
        break;
      } catch (err) {
        error = err;
        retries = attempt;
        logger.warn({ err, schedule: id, tick, attempt }, 'schedule tick not enqueued');
        // The gateway refused (function gone, a 4xx): retrying cannot help.
        if (err instanceof EventInvokeRefused && !err.retryable) break;
        if (attempt >= policy.maximumRetryAttempts) {
          exhausted = 'MaximumRetryAttempts';
          break;
        }
        const delay = backoffDelay(attempt, {
          baseMs: this.o.retryBaseMs ?? 1000,
          maxMs: 60_000,
          jitter: 0.5,
        });
        if (this.o.now() + delay > deadline) {
          exhausted = 'MaximumEventAgeInSeconds';
          break;
        }
        await this.pause(delay);
      }
    }
    if (delivered) {
      metrics.ticks.inc({ function: fn });
      metrics.lateness.observe({ function: fn }, Math.max(0, this.o.now() - fireAt) / 1000);
    } else {
      metrics.failures.inc({ function: fn });
      await this.deadLetter(s, {
        scheduleArn: arn,
        targetArn: s.target.arn,
        body,
        error,
        retryAttempts: retries,
        ...(exhausted === undefined ? {} : { exhausted }),
        tickId: requestId,
      }).catch((err: unknown) => {
        logger.error(
          { err, schedule: id, tick, deadLetter: s.target.deadLetterConfig?.arn, claimedAt },
          'schedule tick given up and not dead-lettered',
        );
      });
    }
    const next = nextRun(s, tick);
    if (next === undefined && s.actionAfterCompletion === 'DELETE') {
      await this.o.redis.hdel(this.o.keys.schedules, scheduleId(s.groupName, s.name));
      await this.o.redis.hdel(this.o.keys.status, scheduleId(s.groupName, s.name));
      return;
    }
    await this.o.redis.hset(
      this.o.keys.status,
      id,
      JSON.stringify({ lastRun: tick, ...(next === undefined ? {} : { nextRun: next }) }),
    );
  }

  /** Puts an undelivered tick on the schedule's DLQ; without one, the loss is logged. */
  private async deadLetter(s: Schedule, d: Omit<TickDeadLetter, 'queueArn'>): Promise<void> {
    const queueArn = s.target.deadLetterConfig?.arn;
    if (queueArn === undefined || this.o.deadLetters === undefined)
      throw new Error('the schedule has no dead-letter queue');
    await this.o.deadLetters.send({ ...d, queueArn });
    this.o.logger.warn(
      { schedule: scheduleId(s.groupName, s.name), deadLetter: queueArn },
      'schedule tick dead-lettered',
    );
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Resolves once the ticks being enqueued now are done (tests, shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** Idempotent: no new passes, retries cut short, waits for the ticks being enqueued. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const wake of [...this.wakers]) wake();
    await this.pass;
    await this.drain();
  }
}
