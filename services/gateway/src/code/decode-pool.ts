/**
 * How many code workers (upload-decode.ts's body decodes, safe-unzip.ts's unpacking) run at once
 * in one gateway process (issue #18): at most `size`, then up to `queue` jobs wait in order, and
 * a job beyond that is refused with Lambda's control-plane throttle — 429
 * `TooManyRequestsException`, Reason `CallerRateLimitExceeded`, "Rate exceeded" (core's `throttleText`), `Retry-After`.
 * Before, every big upload started its own worker, so many hostile uploads at once meant as many
 * threads, each holding its body.
 *
 * Invariants: a slot is given back exactly once (release is idempotent); a released slot goes to
 * the oldest waiter; a waiter that gave up (its request ended) leaves the queue and is never
 * given a slot; the metrics read the counts when scraped.
 */
import { availableParallelism } from 'node:os';

import { TooManyRequestsException } from '@lamina/core';
import { Counter, Gauge, type Registry } from 'prom-client';

export interface DecodePoolOptions {
  /** Jobs running at once (≥ 1). */
  readonly size: number;
  /** Jobs waiting for a slot (≥ 0); beyond: TooManyRequestsException. */
  readonly queue: number;
}

/** One worker per core but one (the event loop keeps a core), at least one. */
export const defaultDecodeWorkers = (): number => Math.max(1, availableParallelism() - 1);
/** Waiting jobs per running one by default: a burst of uploads queues, a flood is refused. */
export const DECODE_QUEUE_PER_WORKER = 8;

/** Returned by `acquire`: gives the slot back (once; later calls do nothing). */
export type Release = () => void;

interface Waiter {
  readonly grant: (release: Release) => void;
}

export class DecodePool {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  private refused = 0;

  constructor(private options: DecodePoolOptions) {}

  /** New bounds (gateway start); jobs already running or waiting keep going. */
  configure(options: DecodePoolOptions): void {
    this.options = options;
    this.pump();
  }

  get size(): number {
    return this.options.size;
  }

  /** Running and waiting jobs, and how many were refused since the start. */
  stats(): { running: number; queued: number; refused: number } {
    return { running: this.running, queued: this.waiting.length, refused: this.refused };
  }

  /**
   * A slot: at once when one is free, else after the jobs queued before. Throws
   * TooManyRequestsException when the queue is full. `signal` aborted while waiting: the wait
   * rejects with its reason and the place is given up.
   */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (this.running < this.options.size && this.waiting.length === 0) {
      return Promise.resolve(this.slot());
    }
    if (this.waiting.length >= this.options.queue) {
      this.refused++;
      // Lambda's control-plane throttle; its text comes with the reason (core's throttleText).
      return Promise.reject(new TooManyRequestsException('CallerRateLimitExceeded', 1));
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('the wait was aborted'));
      };
      if (signal?.aborted === true) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Runs `job` in a slot, giving it back when the job settles. */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await job();
    } finally {
      release();
    }
  }

  private slot(): Release {
    this.running++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.running--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.running < this.options.size && this.waiting.length > 0) {
      const next = this.waiting.shift();
      next?.grant(this.slot());
    }
  }
}

/**
 * The process's pool: the code paths that start workers take their slot here; the gateway sets
 * its bounds from the configuration at start (`LAMINA_DECODE_WORKERS`, `LAMINA_DECODE_QUEUE`).
 */
export const decodePool = new DecodePool({
  size: defaultDecodeWorkers(),
  queue: defaultDecodeWorkers() * DECODE_QUEUE_PER_WORKER,
});

/** The pool's gauges and refusal counter in `registry` (one gateway's metrics). */
export function registerDecodePoolMetrics(registry: Registry, pool: DecodePool = decodePool): void {
  new Gauge({
    name: 'lamina_gateway_code_workers_running',
    help: 'Code workers (upload decodes, unzips) running now',
    registers: [registry],
    collect() {
      this.set(pool.stats().running);
    },
  });
  new Gauge({
    name: 'lamina_gateway_code_workers_queue_depth',
    help: 'Code jobs waiting for a worker slot',
    registers: [registry],
    collect() {
      this.set(pool.stats().queued);
    },
  });
  new Counter({
    name: 'lamina_gateway_code_workers_refused_total',
    help: 'Code jobs refused with TooManyRequestsException: the queue was full',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(pool.stats().refused);
    },
  });
}
