/** Pauses and resumes fetching (kafkajs consumer.pause / resume of the mapping's topic). */
export interface FetchControl {
  pause(): void;
  resume(): void;
}

export interface ThrottleGateOptions {
  readonly fetch: FetchControl;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Backpressure for one mapping: a 429 from the function closes the gate for a backoff, the
 * topic's fetching pauses, and every partition waits before its next invoke; the first to pass
 * the reopened gate resumes fetching.
 */
export class ThrottleGate {
  private until = 0;
  private paused = false;

  constructor(private readonly o: ThrottleGateOptions) {}

  throttle(ms: number): void {
    this.until = Math.max(this.until, this.o.now() + ms);
    if (!this.paused) {
      this.paused = true;
      this.o.fetch.pause();
    }
  }

  /** Waits while the gate is closed (and `active` holds). */
  async wait(active: () => boolean): Promise<void> {
    for (let left = this.until - this.o.now(); left > 0; left = this.until - this.o.now()) {
      if (!active()) return;
      await this.o.sleep(left);
    }
    if (this.paused) {
      this.paused = false;
      this.o.fetch.resume();
    }
  }
}
