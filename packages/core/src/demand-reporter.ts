/**
 * Sends one process's `DemandTally` to Redis every `intervalMs` (ADR 0017), and a wake at once
 * when a call is held with no environment, so the autoscaler does not wait for its tick. The
 * gateway, dispatcher and poller share it; the Redis client stays theirs (`send` runs commands
 * in one MULTI, `publish` publishes), so core imports no I/O client.
 *
 * Invariants: reports never overlap (one asked for while one is sent follows it); a failed
 * report is retried by the next one, whose full rewrite makes it whole; `stop()` is idempotent
 * and sends a last, empty report, so a process leaving cleanly takes its demand with it at once.
 */
import {
  DEMAND_REPORT,
  type DemandKeys,
  type DemandTarget,
  demandReportCommands,
  encodeWake,
  type RedisCommand,
} from './demand-keys.js';
import type { DemandTally } from './demand-tally.js';

export interface DemandReporterOptions {
  readonly tally: DemandTally;
  readonly keys: DemandKeys;
  /** Unique per process, e.g. `gateway-<pod>-<pid>`; no spaces or `/`. */
  readonly reporterId: string;
  /** Runs the commands in one MULTI (ioredis: `redis.multi(cmds).exec()`). */
  readonly send: (commands: RedisCommand[]) => Promise<unknown>;
  readonly publish: (channel: string, message: string) => Promise<unknown>;
  readonly intervalMs?: number;
  readonly ttlMs?: number;
  readonly onError?: (err: unknown) => void;
  readonly now?: () => number;
  readonly timers?: {
    setTimeout(fn: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
  };
}

const realTimers = {
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms).unref(),
  clearTimeout: (handle: unknown): void => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export class DemandReporter {
  readonly name = 'demand-reporter';
  private readonly o: DemandReporterOptions;
  private readonly timers: NonNullable<DemandReporterOptions['timers']>;
  private timer: unknown;
  private sending: Promise<void> | undefined;
  private again = false;
  private stopping: Promise<void> | undefined;

  constructor(o: DemandReporterOptions) {
    this.o = o;
    this.timers = o.timers ?? realTimers;
  }

  start(): void {
    this.arm();
  }

  /**
   * A call to `target` is held with no environment (after `tally.wait`): publish a wake with this
   * process's waiting count and report now. Failures go to `onError`; the next report covers.
   */
  wake(target: DemandTarget): void {
    if (this.stopping !== undefined) return;
    const waiting = Math.max(1, this.o.tally.waiting(target));
    this.o.publish(this.o.keys.wake, encodeWake({ target, waiting })).catch(this.fail);
    void this.flush();
  }

  /** Sends the tally now, or right after the report in progress; nothing once stopping. */
  flush(): Promise<void> {
    if (this.stopping !== undefined) return Promise.resolve();
    if (this.sending !== undefined) {
      this.again = true;
      return this.sending;
    }
    this.sending = this.report().finally(() => {
      this.sending = undefined;
      if (this.again && this.stopping === undefined) {
        this.again = false;
        void this.flush();
      }
    });
    return this.sending;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
      this.timer = undefined;
      await this.sending;
      const now = (this.o.now ?? Date.now)();
      await this.o
        .send(demandReportCommands(this.o.keys, this.o.reporterId, [], now))
        .catch(this.fail);
    })();
    return this.stopping;
  }

  private readonly fail = (err: unknown): void => {
    this.o.onError?.(err);
  };

  private arm(): void {
    if (this.stopping !== undefined) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.flush().finally(() => {
        this.arm();
      });
    }, this.o.intervalMs ?? DEMAND_REPORT.intervalMs);
  }

  private async report(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    const commands = demandReportCommands(
      this.o.keys,
      this.o.reporterId,
      this.o.tally.snapshot(),
      now,
      this.o.ttlMs ?? DEMAND_REPORT.ttlMs,
    );
    await this.o.send(commands).catch(this.fail);
  }
}
